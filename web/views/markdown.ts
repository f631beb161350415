import MarkdownIt from 'markdown-it';

// Raw HTML is off, so instructions cannot inject markup or scripts; markdown-it's default link
// validation also drops javascript:, vbscript:, file: and non-image data: URLs.
const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });

/** Renders campaign instructions (Markdown) to HTML that is safe to insert into a page. */
export function renderMarkdown(text: string): string {
  return markdown.render(text);
}
