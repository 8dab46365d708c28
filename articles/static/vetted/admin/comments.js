// Selecting words in the text of a review-comment pane fills the "Add a comment" form with them
// and their paragraph (templates/admin/articles/comments.html). Without this script the form
// still works: choose the paragraph and type the words.
(() => {
  "use strict";

  function passageOf(node) {
    const element = node && (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement);
    return element ? element.closest("[data-paragraph]") : null;
  }

  function onSelection(form, event) {
    if (event.target.id === "vetted-comment-jump") return;
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return;
    const passage = passageOf(selection.anchorNode);
    if (!passage || passage !== passageOf(selection.focusNode)) return;
    const words = selection.toString().replace(/\s+/g, " ").trim();
    if (!words) return;
    form.querySelector("[name=paragraph]").value = passage.dataset.paragraph;
    form.querySelector("[name=quote]").value = words;
    const status = form.querySelector(".vetted-comment-status");
    status.textContent = `Commenting on “${words}” in ${passage.dataset.location}.`;
    status.hidden = false;
    // A way to the form from where the words are, however long the text above it.
    const jump = jumpButton(form);
    if (jump.parentElement !== passage) passage.append(jump);
  }

  function jumpButton(form) {
    let jump = document.getElementById("vetted-comment-jump");
    if (!jump) {
      jump = document.createElement("button");
      jump.type = "button";
      jump.id = "vetted-comment-jump";
      jump.className = "button";
      jump.textContent = "Comment on the selected words";
      jump.addEventListener("click", () => form.querySelector("[name=text]").focus());
    }
    return jump;
  }

  function start() {
    const form = document.getElementById("vetted-comment-form");
    const text = document.querySelector(".vetted-commented-text");
    if (!form || !text) return;
    const status = document.createElement("p");
    status.className = "vetted-comment-status";
    status.setAttribute("role", "status");
    status.hidden = true;
    form.querySelector("h3").after(status);
    text.addEventListener("mouseup", (event) => onSelection(form, event));
    text.addEventListener("keyup", (event) => onSelection(form, event));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
