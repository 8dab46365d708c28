// Citations in the prose editor: a node of their own, a "Cite" picker, and the reference list.
//
// A citation is an inline atom stored as <sup data-citation="KEY">N</sup>. Being a node (not a
// superscript mark), its key survives typing around it, copy and paste, undo and the form's round
// trip; N is kept equal to its number in order of first appearance (AMA) as the text changes.
// The key names one of the article's cited sources; a source cited for the first time gets the
// key "source-ID", and saving the article adds it to the cited sources (articles/citations.py).
import { Node, Plugin } from "../../django_prose_editor/editor.js";

const NEW_KEY = /^source-(\d+)$/;

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "text") node.textContent = value;
    else if (name === "className") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  node.append(...children.filter(Boolean));
  return node;
}

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

async function getJSON(url, params) {
  const query = new URLSearchParams(params);
  const response = await fetch(`${url}?${query}`, { credentials: "same-origin" });
  return response.json();
}

async function postJSON(url, fields) {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value ?? "");
  const response = await fetch(url, {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken() },
  });
  return response.json();
}

// Keys in order of first appearance: the numbering AMA asks for.
function citationOrder(doc) {
  const order = [];
  doc.descendants((node) => {
    if (node.type.name === "citation" && node.attrs.key && !order.includes(node.attrs.key)) {
      order.push(node.attrs.key);
    }
  });
  return order;
}

function renumber(state) {
  const order = citationOrder(state.doc);
  const tr = state.tr;
  state.doc.descendants((node, pos) => {
    if (node.type.name !== "citation") return;
    const label = String(order.indexOf(node.attrs.key) + 1);
    if (node.attrs.label !== label) tr.setNodeMarkup(pos, undefined, { ...node.attrs, label });
  });
  return tr.docChanged ? tr : null;
}

export const Citation = Node.create({
  name: "citation",
  group: "inline",
  inline: true,
  atom: true,
  selectable: true,

  addOptions() {
    // citations: {key: source as evidence.library.describe gives it}; urls: the library's
    // endpoints; picker: whether this content type may cite (prompts have no cited sources).
    return { citations: {}, urls: {}, picker: true };
  },

  addStorage() {
    return { known: {} };
  },

  onCreate() {
    Object.assign(this.storage.known, this.options.citations || {});
    mountReferenceList(this.editor, this.storage, this.options);
  },

  addAttributes() {
    return {
      key: {
        default: null,
        parseHTML: (element) => element.getAttribute("data-citation"),
        renderHTML: (attributes) => ({ "data-citation": attributes.key }),
      },
      label: {
        default: "",
        parseHTML: (element) => element.textContent.trim(),
        renderHTML: () => ({}),
      },
    };
  },

  parseHTML() {
    // Before the Superscript mark's plain <sup> rule, so a marker is never read as a mark.
    return ["sup", "a", "span"].map((tag) => ({ tag: `${tag}[data-citation]`, priority: 100 }));
  },

  renderHTML({ node }) {
    return ["sup", { "data-citation": node.attrs.key }, node.attrs.label || "?"];
  },

  renderText({ node }) {
    return `[${node.attrs.label || "?"}]`;
  },

  addProseMirrorPlugins() {
    return [
      new Plugin({
        appendTransaction(transactions, _old, state) {
          return transactions.some((tr) => tr.docChanged) ? renumber(state) : null;
        },
      }),
    ];
  },

  addMenuItems({ menu, buttons }) {
    if (!this.options.picker) return;
    const { storage, options } = this;
    menu.defineItem({
      name: "cite",
      groups: "link",
      button: buttons.text("Cite", "Cite a source"),
      command(editor) {
        openPicker(editor, storage, options);
      },
    });
  },
});

// --- Which key cites a source ------------------------------------------------------------------

function keyFor(storage, source) {
  for (const [key, known] of Object.entries(storage.known)) {
    if (known && known.id === source.id) return key;
  }
  const key = `source-${source.id}`;
  storage.known[key] = source;
  return key;
}

function insertCitation(editor, storage, range, source) {
  const key = keyFor(storage, source);
  editor
    .chain()
    .focus()
    .insertContentAt(range.to, { type: "citation", attrs: { key, label: "" } })
    .run();
}

// --- The reference list under the editor -------------------------------------------------------

function mountReferenceList(editor, storage, options) {
  const list = el("ol", { className: "citation-references__list" });
  const panel = el("section", { className: "citation-references", "aria-live": "polite" }, [
    el("h3", { text: "References in this text" }),
    list,
  ]);
  editor.view.dom.after(panel);
  let fetching = false;

  const render = () => {
    const order = citationOrder(editor.state.doc);
    list.replaceChildren();
    panel.hidden = order.length === 0;
    const unknown = [];
    for (const key of order) {
      const source = storage.known[key];
      if (source) {
        list.append(el("li", { "data-key": key, text: source.reference || source.label }));
      } else {
        const match = NEW_KEY.exec(key);
        if (match) unknown.push(match[1]);
        list.append(
          el("li", {
            "data-key": key,
            className: "citation-references__unresolved",
            text: "This marker names no cited source. Delete it and cite the source again.",
          }),
        );
      }
    }
    // Sources cited before the page was reloaded (a form shown again with errors).
    if (unknown.length && !fetching && options.urls.describe) {
      fetching = true;
      getJSON(options.urls.describe, unknown.map((id) => ["id", id])).then((answer) => {
        for (const source of answer.sources || []) storage.known[`source-${source.id}`] = source;
        render();
      });
    }
  };
  editor.on("update", render);
  render();
}

// --- The picker ----------------------------------------------------------------------------------

function sourceItem(source, action, label = "Cite") {
  return el("li", { className: "citation-picker__source" }, [
    el("span", { className: "citation-picker__reference", text: source.reference || source.label }),
    el("button", {
      type: "button",
      className: "button",
      text: label,
      "aria-label": `${label} ${source.label}`,
      onclick: action,
    }),
  ]);
}

function recordView(record) {
  const rows = [
    ["Title", record.title],
    ["Authors", (record.authors || "").split("\n").join("; ")],
    ["Journal", record.journal],
    ["Year", record.year],
    ["DOI", record.doi],
    ["PubMed ID", record.pmid],
  ].filter(([, value]) => value);
  return el(
    "dl",
    { className: "citation-picker__record" },
    rows.flatMap(([name, value]) => [el("dt", { text: name }), el("dd", { text: String(value) })]),
  );
}

function handForm(found, submit) {
  const field = (name, label, props = {}, tag = "input") =>
    el("p", {}, [
      el("label", { for: `citation-hand-${name}`, text: label }),
      el(tag, { id: `citation-hand-${name}`, name, ...props }),
      el("span", { className: "citation-picker__error", "data-error-for": name }),
    ]);
  const form = el("div", { className: "citation-picker__hand" }, [
    el("p", { text: "Enter the source as its reference gives it." }),
    field("title", "Title", { type: "text" }),
    field("authors", "Authors, one per line (“Williamson JD”, “Mesa Bedoya, L.E.”, or a group)",
      { rows: "4" }, "textarea"),
    field("journal", "Journal", { type: "text" }),
    field("year", "Year", { type: "number", min: "1500", max: "2100" }),
    field("doi", "DOI", { type: "text", value: found.kind === "doi" ? found.identifier : "" }),
    field("pmid", "PubMed ID", { type: "text", value: found.kind === "pmid" ? found.identifier : "" }),
  ]);
  form.append(
    el("button", {
      type: "button",
      className: "button default",
      text: "Add and cite",
      onclick: () => {
        const values = {};
        for (const input of form.querySelectorAll("input, textarea")) values[input.name] = input.value;
        submit(values, form);
      },
    }),
  );
  return form;
}

function openPicker(editor, storage, options) {
  const range = { from: editor.state.selection.from, to: editor.state.selection.to };
  const urls = options.urls;
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  const cite = (source) => {
    close();
    insertCitation(editor, storage, range, source);
  };

  // This article's sources, in the order the text cites them, then the others.
  const ownKeys = [...new Set([...citationOrder(editor.state.doc), ...Object.keys(storage.known)])];
  const own = ownKeys.map((key) => storage.known[key]).filter(Boolean);
  const ownList = el("ul", { className: "citation-picker__list" });
  for (const source of own) ownList.append(sourceItem(source, () => cite(source)));

  const results = el("ul", { className: "citation-picker__list", "aria-live": "polite" });
  let timer = null;
  const search = el("input", {
    type: "search",
    id: "citation-search",
    placeholder: "Title, author, DOI or PubMed ID",
    oninput: () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const answer = await getJSON(urls.search, { q: search.value });
        results.replaceChildren(
          ...(answer.sources || []).map((source) => sourceItem(source, () => cite(source))),
        );
        if (!results.children.length) results.append(el("li", { text: "No source matches." }));
      }, 250);
    },
  });

  const outcome = el("div", { className: "citation-picker__outcome", "aria-live": "polite" });
  const identifier = el("input", {
    type: "text",
    id: "citation-identifier",
    placeholder: "10.1056/NEJMoa1511939, 26551272, or a doi.org or PubMed address",
  });
  const lookUp = async () => {
    outcome.replaceChildren(el("p", { text: "Looking it up…" }));
    const answer = await postJSON(urls.lookUp, { identifier: identifier.value });
    outcome.replaceChildren();
    if (answer.status === "existing") {
      outcome.append(
        el("p", { text: "This source is already in the library." }),
        el("ul", { className: "citation-picker__list" }, [
          sourceItem(answer.source, () => cite(answer.source)),
        ]),
      );
    } else if (answer.status === "found") {
      outcome.append(
        el("p", { text: `${answer.record.registry} has this record. Is it the work you mean?` }),
        recordView(answer.record),
        el("button", {
          type: "button",
          className: "button default",
          text: "Add to the library and cite",
          onclick: async () => {
            const added = await postJSON(urls.lookUp, { identifier: identifier.value, add: "1" });
            if (added.source) cite(added.source);
            else outcome.replaceChildren(el("p", { text: added.message || added.error }));
          },
        }),
      );
    } else {
      outcome.append(el("p", { className: "citation-picker__message", text: answer.message }));
      if (answer.status !== "invalid") {
        outcome.append(
          handForm(answer, async (values, form) => {
            const added = await postJSON(urls.add, values);
            for (const span of form.querySelectorAll("[data-error-for]")) span.textContent = "";
            if (added.source) return cite(added.source);
            for (const [name, errors] of Object.entries(added.errors || {})) {
              const span = form.querySelector(`[data-error-for="${name}"]`);
              if (span) span.textContent = errors.join(" ");
            }
          }),
        );
      }
    }
  };
  identifier.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      lookUp();
    }
  });

  const dialog = el("dialog", { className: "citation-picker", "aria-labelledby": "citation-picker-title" }, [
    el("div", { className: "citation-picker__head" }, [
      el("h2", { id: "citation-picker-title", text: "Cite a source" }),
      el("button", { type: "button", className: "button", text: "Close", onclick: close }),
    ]),
    own.length
      ? el("section", {}, [el("h3", { text: "This article's sources" }), ownList])
      : null,
    el("section", {}, [
      el("h3", {}, [el("label", { for: "citation-identifier", text: "Add a source by DOI or PubMed ID" })]),
      el("div", { className: "citation-picker__row" }, [
        identifier,
        el("button", { type: "button", className: "button", text: "Look up", onclick: lookUp }),
      ]),
      outcome,
    ]),
    el("section", {}, [
      el("h3", {}, [el("label", { for: "citation-search", text: "Search the library" })]),
      search,
      results,
    ]),
  ]);
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  (own.length ? dialog.querySelector(".citation-picker__source button") : identifier).focus();
}
