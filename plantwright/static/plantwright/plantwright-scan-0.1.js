// Scan an asset's QR label with the phone's camera (docs/shop-floor.md §QR labels).
// A field marked data-scan="Scan QR label" gets a button that opens the camera. The code is read by
// the browser's BarcodeDetector where it has one (Android, macOS), else by the vendored jsQR (pinned
// npm package, loaded on first use). A Plantwright label (…/q/<code>/) picks its asset in a picker,
// or opens the asset from a search field; any other code is typed into the search.
(() => {
  const body = document.body;
  const camera = navigator.mediaDevices?.getUserMedia; // only on https or localhost
  if (!camera) return;

  let decoder = null;
  async function reader() {
    if ("BarcodeDetector" in window) {
      const formats = await BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const detector = new BarcodeDetector({ formats: ["qr_code"] });
        return async (video) => (await detector.detect(video))[0]?.rawValue || null;
      }
    }
    if (!window.jsQR) {
      await new Promise((resolve, reject) => {
        const script = Object.assign(document.createElement("script"), { src: body.dataset.jsqr });
        script.addEventListener("load", resolve);
        script.addEventListener("error", reject);
        document.head.append(script);
      });
    }
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    return async (video) => {
      const scale = Math.min(1, 640 / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      if (!canvas.width) return null;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      return jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" })?.data || null;
    };
  }

  // Opens the camera in a dialog; resolves with the first code read, or null if cancelled.
  async function scan() {
    const dialog = document.createElement("dialog");
    dialog.className = "pw-scan";
    const video = Object.assign(document.createElement("video"), { muted: true, playsInline: true });
    const hint = Object.assign(document.createElement("p"), { textContent: body.dataset.scanHint });
    const cancel = Object.assign(document.createElement("button"), {
      type: "button", className: "secondary", textContent: body.dataset.scanCancel,
    });
    const article = document.createElement("article");
    article.append(video, hint, cancel);
    dialog.append(article);
    document.body.append(dialog);
    dialog.showModal();
    let stream = null;
    let done = false;
    const finish = () => {
      done = true;
      stream?.getTracks().forEach((track) => track.stop());
      dialog.close();
      dialog.remove();
    };
    return new Promise((resolve) => {
      cancel.addEventListener("click", () => { finish(); resolve(null); });
      dialog.addEventListener("cancel", () => { finish(); resolve(null); });
      (async () => {
        try {
          stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
          video.srcObject = stream;
          await video.play();
          decoder = decoder || (await reader());
          while (!done) {
            const text = await decoder(video);
            if (text) {
              finish();
              resolve(text);
              return;
            }
            await new Promise((wait) => setTimeout(wait, 150));
          }
        } catch (error) {
          hint.textContent = `${body.dataset.scanFailed} (${error.name})`;
        }
      })();
    });
  }

  // The asset a Plantwright label names, as the server resolves it for this person (its page).
  async function assetOfLabel(text) {
    let url;
    try {
      url = new URL(text, location.href);
    } catch (error) {
      return null;
    }
    if (url.origin !== location.origin || !/^\/q\/[^/]+\/$/.test(url.pathname)) return null;
    const response = await fetch(url, { credentials: "same-origin" });
    const found = new URL(response.url).pathname.match(/^\/assets\/(\d+)\/$/);
    return found ? { id: found[1], url: response.url } : null;
  }

  function typeInto(input, text) {
    input.value = text;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  async function scanned(field, text) {
    const asset = await assetOfLabel(text);
    if (field.tagName === "SELECT") {
      const option = asset && [...field.options].find((o) => o.value === asset.id);
      const search = field.closest("label")?.previousElementSibling;
      if (option) {
        field.value = option.value;
        field.dispatchEvent(new Event("change", { bubbles: true }));
        if (search?.matches(".pw-search")) search.value = option.text;
      } else if (search?.matches(".pw-search") && !asset) {
        typeInto(search, text);
      }
    } else if (asset) {
      location.assign(asset.url);
    } else {
      typeInto(field, text);
    }
  }

  function addButtons(root) {
    for (const field of root.querySelectorAll("[data-scan]:not([data-scan-ready])")) {
      field.dataset.scanReady = "";
      const button = Object.assign(document.createElement("button"), {
        type: "button", className: "pw-scan-button outline", textContent: `▣ ${field.dataset.scan}`,
      });
      button.addEventListener("click", async () => {
        const text = await scan();
        if (text) await scanned(field, text);
      });
      (field.closest("label") || field).before(button);
    }
  }
  addButtons(document);
  document.addEventListener("htmx:afterSwap", (event) => addButtons(event.target));
})();
