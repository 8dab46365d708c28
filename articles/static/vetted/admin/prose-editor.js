// Starts django-prose-editor on the admin's body fields under the Content-Security-Policy.
//
// The package's own starter (django_prose_editor/configurable.js) imports the editor through a
// bare specifier that only a <script type="importmap"> written into the page can resolve, and
// its createTextareaEditor lets Tiptap inject a <style> element; script-src 'self' and
// style-src 'self' block both. This module imports the editor by its static path and builds
// the same editor with injectCSS off; Tiptap's core rules are in prose-editor.css instead.
// Written against django-prose-editor 0.28 (configurable.js and createTextareaEditor).
import * as editorModule from "../../django_prose_editor/editor.js";
import { Citation } from "./citations.js";

// Extensions of our own, by the name the form's configuration gives them.
const ownExtensions = { Citation };

const marker = "data-django-prose-editor-configurable";

function actuallyEmpty(html) {
  // ProseMirror always keeps one empty paragraph; an empty field should stay empty.
  return /^<(\w+)(\s[^>]*)?><\/\1>$/i.test(html) ? "" : html;
}

function nameOf(textarea) {
  const label = textarea.id && document.querySelector(`label[for="${textarea.id}"]`);
  if (!label) return {};
  label.id ||= `${textarea.id}_label`;
  return { "aria-labelledby": label.id };
}

// A caret moved by the browser itself (End, Home, Page Down, Shift+arrows, a click) reaches
// ProseMirror only through a `selectionchange` event, which the browser queues as an ordinary
// task, while keys and clipboard events are input and go first. On a busy page the next key can
// therefore come before ProseMirror has heard of the move and act on the old selection: after
// Ctrl+A, the keys Ctrl+End, Enter, Ctrl+V replaced the whole text with the pasted paragraph
// (the lone marker left looked like a pasted paragraph that had lost its own). So before a key
// or a clipboard event is handled, the editor reads the selection the page shows, as that
// `selectionchange` would have: flush() compares it with the one ProseMirror last drew or read
// and does nothing when they agree (prosemirror-view's DOMObserver, as bundled in 0.28).
function catchUpWithTheCaret(view, event) {
  if (view.composing || event.keyCode === 229) return false; // an input method is composing
  view.domObserver?.flush?.();
  return false; // ProseMirror and the other handlers go on as usual
}

const caretFirst = Object.fromEntries(
  ["keydown", "copy", "cut", "paste"].map((type) => [type, catchUpWithTheCaret]),
);

function createTextareaEditor(textarea, extensions) {
  const disabled = textarea.hasAttribute("disabled");
  const element = document.createElement("div");
  element.className = disabled ? "prose-editor disabled" : "prose-editor";
  textarea.before(element);
  element.append(textarea);
  return new editorModule.Editor({
    element,
    editable: !disabled,
    extensions,
    content: textarea.value,
    injectCSS: false,
    // The editable area replaces the textarea its <label> names, so it takes that name.
    editorProps: { attributes: nameOf(textarea), handleDOMEvents: caretFirst },
    onUpdate({ editor }) {
      textarea.value = actuallyEmpty(editor.getHTML());
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    },
    onDestroy() {
      element.before(textarea);
      element.remove();
    },
  });
}

function createEditor(textarea, config = null) {
  if (textarea.closest(".prose-editor")) return null;
  const settings = config || JSON.parse(textarea.getAttribute(marker) || "{}");
  const extensions = [];
  for (const [name, options] of Object.entries(settings.extensions || {})) {
    const extension = ownExtensions[name] || editorModule[name];
    if (!extension) continue;
    extensions.push(typeof options === "object" ? extension.configure(options) : extension);
  }
  const editor = createTextareaEditor(textarea, extensions);
  textarea.dispatchEvent(
    new CustomEvent("prose-editor:ready", { detail: { editor, textarea }, bubbles: true }),
  );
  return editor;
}

editorModule.initializeEditors(createEditor, `[${marker}]`);
