// Sends the per-session CSRF token with every htmx request and moves focus to swapped content,
// so keyboard and screen-reader users land on what changed.
document.addEventListener('htmx:configRequest', (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.headers['x-csrf-token'] = meta.getAttribute('content');
});
document.addEventListener('htmx:afterSwap', (event) => {
  const target = event.detail.target;
  const focusable = target && target.querySelector('[data-focus], h1, h2, [role="status"]');
  if (focusable) {
    if (!focusable.hasAttribute('tabindex')) focusable.setAttribute('tabindex', '-1');
    focusable.focus();
  }
});
