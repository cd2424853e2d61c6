import { initAll } from "./govuk-frontend.min.js";

initAll();

// A "Print" button (the release pack): the browser's own print, which the print stylesheet shapes.
for (const button of document.querySelectorAll("[data-tg-print]")) {
  button.addEventListener("click", () => window.print());
}
