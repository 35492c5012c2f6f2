// The MJML code editor of drip's email form: a CodeMirror 6 view over the
// form's <textarea data-drip-code-editor>, which stays in the form (hidden)
// and is kept in sync, so saving, Wagtail's unsaved-changes check, autosave
// and the live preview all see the text as typed. The lines of the email's
// validation problems (data-problems, from the server) get a gutter marker
// and a line class, and move with the text while it is edited.
import { basicSetup } from "codemirror";
import { EditorView, Decoration, GutterMarker, gutter } from "@codemirror/view";
import { EditorState, RangeSet, StateField } from "@codemirror/state";
import { xml } from "@codemirror/lang-xml";

class ProblemMarker extends GutterMarker {
  constructor(message) {
    super();
    this.message = message;
  }

  toDOM() {
    const marker = document.createElement("span");
    marker.className = "cm-drip-problem-marker";
    marker.textContent = "●";
    marker.title = this.message;
    marker.setAttribute("aria-label", this.message);
    return marker;
  }
}

// Problems on the same line share one marker and one line decoration.
function problemsByLine(doc, problems) {
  const messages = new Map();
  for (const { line, message } of problems) {
    const number = Math.min(Math.max(line, 1), doc.lines);
    messages.set(number, [...(messages.get(number) || []), message]);
  }
  return [...messages.entries()].sort(([a], [b]) => a - b);
}

function problemField(problems) {
  const build = (doc) => {
    const lines = problemsByLine(doc, problems);
    return {
      markers: RangeSet.of(lines.map(([number, messages]) =>
        new ProblemMarker(messages.join("\n")).range(doc.line(number).from))),
      lines: Decoration.set(lines.map(([number, messages]) =>
        Decoration.line({ class: "cm-drip-problem-line", attributes: { title: messages.join("\n") } })
          .range(doc.line(number).from))),
    };
  };
  return StateField.define({
    create: (state) => build(state.doc),
    update: (value, transaction) => transaction.docChanged
      ? { markers: value.markers.map(transaction.changes), lines: value.lines.map(transaction.changes) }
      : value,
    provide: (field) => EditorView.decorations.from(field, (value) => value.lines),
  });
}

const theme = EditorView.theme({
  "&": { border: "1px solid var(--w-color-border-field-default, #ccc)", borderRadius: "5px",
         fontSize: "0.875rem", backgroundColor: "var(--w-color-surface-field, #fff)" },
  ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
                    minHeight: "16em", maxHeight: "40em" },
  ".cm-drip-problem-line": { backgroundColor: "rgba(205, 52, 52, 0.12)" },
  ".cm-drip-problem-gutter": { width: "1.2em" },
  ".cm-drip-problem-marker": { color: "#cd3434", cursor: "help", paddingLeft: "0.2em" },
});

function attach(textarea) {
  if (textarea.dripCodeEditor) return textarea.dripCodeEditor;
  const problems = JSON.parse(textarea.dataset.problems || "[]");
  const field = problemField(problems);
  const view = new EditorView({
    parent: textarea.parentNode,
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        basicSetup,
        xml(),
        field,
        gutter({ class: "cm-drip-problem-gutter", markers: (v) => v.state.field(field).markers }),
        theme,
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ "aria-label": textarea.getAttribute("aria-label") || textarea.id }),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          textarea.value = update.state.doc.toString();
          textarea.dispatchEvent(new Event("input", { bubbles: true }));
        }),
        EditorView.domEventHandlers({
          blur: () => { textarea.dispatchEvent(new Event("change", { bubbles: true })); },
        }),
      ],
    }),
  });
  view.dom.dataset.dripCodeEditorFor = textarea.id;
  textarea.parentNode.insertBefore(view.dom, textarea);
  textarea.hidden = true;
  // The label's "for" still names the textarea: focus the editor instead.
  for (const label of textarea.labels || []) {
    label.addEventListener("click", (event) => { event.preventDefault(); view.focus(); });
  }
  textarea.dripCodeEditor = view;
  return view;
}

function attachAll(root) {
  root.querySelectorAll("textarea[data-drip-code-editor]").forEach(attach);
}

window.dripCodeEditor = { attach };
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => attachAll(document));
} else {
  attachAll(document);
}
