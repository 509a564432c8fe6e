// Vitest runs in jsdom; Tauri's mockIPC needs window.crypto, which jsdom provides.
export {};

// jsdom has <dialog> without its modal methods; the app's WebKit has both.
if (typeof HTMLDialogElement !== "undefined" && !HTMLDialogElement.prototype.showModal) {
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    this.open = true;
  };
  HTMLDialogElement.prototype.close = function close(this: HTMLDialogElement) {
    this.open = false;
  };
}

// jsdom has media elements that cannot play: `load` and `pause` only say so on the console.
HTMLMediaElement.prototype.load = function load() {};
HTMLMediaElement.prototype.pause = function pause() {};
