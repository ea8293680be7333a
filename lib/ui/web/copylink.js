// « Copier le lien »: the page's address — which carries the whole view — to the clipboard.
// Runs in the page itself (st.components.v2, not isolated), so location.href is the app's URL.
function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const area = Object.assign(document.createElement("textarea"), { value: text });
  Object.assign(area.style, { position: "fixed", opacity: "0" });
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  return ok ? Promise.resolve() : Promise.reject(new Error("copy"));
}

export default function (component) {
  const { parentElement, data } = component;
  let button = parentElement.querySelector("button");
  if (!button) {
    button = document.createElement("button");
    button.type = "button";
    Object.assign(button.style, { font: "inherit", fontSize: "0.9rem", padding: "0.3rem 0.8rem", cursor: "pointer", whiteSpace: "nowrap",
      border: "1px solid rgba(49, 51, 63, 0.25)", borderRadius: "0.5rem", background: "#fff", color: "inherit" });
    const note = document.createElement("span");
    Object.assign(note.style, { marginLeft: "0.6rem", fontSize: "0.85rem", color: "#555" });
    note.setAttribute("role", "status");
    parentElement.append(button, note);
    button.addEventListener("click", () => {
      const link = window.location.href;
      button.dataset.copied = link;
      copyText(link)
        .then(() => { note.textContent = button.dataset.done; })
        .catch(() => { note.textContent = `${button.dataset.manual} ${link}`; });
    });
  }
  button.textContent = data.label;
  button.title = data.help;
  button.dataset.done = data.done;
  button.dataset.manual = data.manual;
}
