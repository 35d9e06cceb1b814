// Starts Petrel without any inline script: the proxy's Content-Security-Policy forbids them.
// trunk writes the hashed names of the wasm-bindgen glue and the wasm module into this
// script element's data attributes (see `pattern_script` in Trunk.toml).
const boot = document.getElementById('petrel-boot');

function explain(message) {
  const note = document.createElement('p');
  note.className = 'noscript';
  note.setAttribute('role', 'alert');
  note.textContent = message;
  document.body.replaceChildren(note);
}

if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register(new URL('sw.js', document.baseURI)).catch(() => {
      // Without the worker the app still runs; it only loses its offline shell.
    });
  });
}

// Mail kept on this device (`petrel.kept`, written by the app beside its store): the store
// worker (SQLite on OPFS) starts now, beside the app's own start rather than after it, so
// that a reload shows the stored list sooner. The app takes it over (`EARLY` in
// client/src/runtime/store.rs); what it says meanwhile is kept for the app, in order.
try {
  if (localStorage.getItem('petrel.kept')) {
    const said = [];
    const worker = new Worker(new URL('petrel-store-worker_loader.js', document.baseURI), {
      type: 'module',
      name: 'petrel-store',
    });
    worker.onmessage = (event) => said.push(event.data);
    worker.onerror = (event) => said.push({ error: event.message || '' });
    window.petrelEarlyStore = { worker, said };
  }
} catch {
  // No storage or no workers: the app starts the store itself, or says why it cannot.
}

try {
  const { default: init } = await import(boot.dataset.js);
  await init({ module_or_path: boot.dataset.wasm });
} catch (error) {
  console.error(error);
  explain('Petrel could not start: this browser may not support WebAssembly, or the app failed to load. Reload to try again.');
}
