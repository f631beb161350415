// Sends the per-session CSRF token with every htmx request, moves focus to what a swapped
// fragment marks with data-focus (so keyboard and screen-reader users land on what changed),
// and shows failed requests in the page's alert region.
document.addEventListener('htmx:configRequest', (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.headers['x-csrf-token'] = meta.getAttribute('content');
});

document.addEventListener('htmx:afterSwap', (event) => {
  const swapped = event.target;
  if (!(swapped instanceof Element)) return;
  const focusable = swapped.matches('[data-focus]')
    ? swapped
    : swapped.querySelector('[data-focus]');
  if (!focusable) return;
  if (focusable.tabIndex < 0 && !focusable.hasAttribute('tabindex')) {
    focusable.setAttribute('tabindex', '-1');
  }
  focusable.focus();
});

function showProblem(text) {
  const flash = document.getElementById('flash');
  if (flash) flash.textContent = text;
}

// A new request clears the last problem, except the bulk status poll, which runs every second.
document.addEventListener('htmx:beforeRequest', (event) => {
  if (!event.detail.elt.matches('[hx-trigger^="every"]')) showProblem('');
});
document.addEventListener('htmx:responseError', (event) => {
  const xhr = event.detail.xhr;
  showProblem(
    xhr.status === 401
      ? 'Your session ended. Sign in again.'
      : (xhr.responseText || `The request failed (HTTP ${xhr.status}).`).slice(0, 500),
  );
});
document.addEventListener('htmx:sendError', () =>
  showProblem('The server could not be reached. Check the connection and try again.'),
);
