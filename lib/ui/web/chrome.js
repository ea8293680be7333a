// Terrain's page shell, injected into Streamlit's index.html by serve.py (lib/webshell.py), so it
// runs once per page load, before Streamlit's own scripts:
// 1. History: Streamlit pushes a history entry whenever the query string changes, so every slider
//    move was one more Back press and Back never left the page. A push that changes only the
//    query string now replaces the current entry; a page change still pushes one.
// 2. French: the browser's locale is French for the frontend (dates, numbers), and the labels
//    Streamlit's frontend writes in English (upload box, form hints, multiselect actions, help
//    icons, date placeholder, file sizes, an upload refused as too large) are translated in place,
//    and so are the labels a screen reader reads (« Open », « Collapse sidebar », « App pages »…) and the note shown when the
//    connection is lost (a volunteer's phone in a stairwell).
//    Streamlit's own « skip to main content » link, first in the tab order before the sidebar's
//    ~25 stops, is among them (« Aller au contenu principal »).
(() => {
  if (window.__terrainShell) return;
  window.__terrainShell = true;

  // The app speaks French whatever the browser's language: the date picker (react-aria) takes its
  // month and day names, first weekday and « jj/mm/aaaa » from the locale, screen readers from lang.
  for (const [name, value] of [["language", "fr-FR"], ["languages", Object.freeze(["fr-FR", "fr"])]]) {
    Object.defineProperty(navigator, name, { get: () => value, configurable: true });
  }
  document.documentElement.lang = "fr";

  const push = history.pushState.bind(history);
  history.pushState = (state, title, url) => {
    const next = url ? new URL(url, location.href) : null;
    if (next && next.pathname === location.pathname) return history.replaceState(state, title, url);
    return push(state, title, url);
  };

  const UNITS = { B: "o", KB: "Ko", MB: "Mo", GB: "Go" };
  const size = (n, u) => `${n.replace(".", ",")} ${UNITS[u]}`;
  const TEXT = [
    [/^Drag and drop a file here$/, () => "Glissez-déposez un fichier ici"],
    [/^Drag and drop files here$/, () => "Glissez-déposez des fichiers ici"],
    [/^Drag and drop directories here$/, () => "Glissez-déposez des dossiers ici"],
    [/^(Upload|Browse files)$/, () => "Choisir un fichier"],
    [/^Add files$/, () => "Ajouter des fichiers"],
    [/^Upload directories$/, () => "Choisir un dossier"],
    [/^(\d+(?:\.\d+)?)(B|KB|MB|GB) per file$/, (m) => `${size(m[1], m[2])} max. par fichier`],
    [/^(\d+(?:\.\d+)?)(B|KB|MB|GB)$/, (m) => size(m[1], m[2])],
    // an upload refused by the browser itself (over server.maxUploadSize, wrong type)
    [/^File must be (\d+(?:\.\d+)?)(B|KB|MB|GB) or smaller\.$/,
      (m) => `Fichier trop volumineux : ${size(m[1], m[2])} au plus. Réduisez-le (une partie du territoire, une seule élection) puis réessayez.`],
    [/^(.+) files are not allowed\.$/, (m) => `Fichiers ${m[1]} refusés ici : choisissez un fichier du type indiqué.`],
    [/^File size is too small\.$/, () => "Fichier vide ou trop petit."],
    [/^Only one file is allowed\.$/, () => "Un seul fichier à la fois."],
    [/^Unexpected error\. Please try again\.$/, () => "Erreur inattendue pendant l'envoi : réessayez."],
    [/^(Failed to generate file for download|Download failed)$/,
      () => "Ce fichier n'a pas pu être préparé : réessayez ; si cela recommence, le détail est dans le journal du serveur."],
    [/^Press Enter to submit form$/, () => "Entrée pour envoyer"],
    [/^Press Enter to apply$/, () => "Entrée pour valider"],
    [/^Press Enter to add$/, () => "Entrée pour ajouter"],
    [/^Press (?:⌘|Ctrl)\+Enter to (\w+)$/, () => "Ctrl+Entrée pour valider"],
    [/^Select all$/, () => "Tout sélectionner"],
    [/^Clear all$/, () => "Tout effacer"],
    [/^Select \d+ matches$/, (m) => m[0].replace(/^Select (\d+) matches$/, "Sélectionner les $1 résultats")],
    [/^Select\.\.\.$/, () => "Choisir…"],
    [/^Choose an option$/, () => "Choisir…"],
    [/^No results$/, () => "Aucun résultat"],
    [/^Skip to main content$/, () => "Aller au contenu principal"],
    [/^Connection error$/, () => "Connexion perdue"],
    [/^Streamlit server is not responding\. Are you connected to the internet\?$/,
      () => "Le serveur ne répond pas. L'appareil est-il connecté à Internet ?"],
  ];
  const ATTRIBUTE = [
    [/^Help for (.+)$/, (m) => `Aide : ${m[1]}`],
    [/^Help$/, () => "Aide"],
    [/^Link to heading$/, () => "Lien vers ce titre"],
    [/^Clear all$/, () => "Tout effacer"],
    [/^Remove (.+)$/, (m) => `Retirer ${m[1]}`],
    [/^Clear dates?$/, () => "Effacer la date"],
    [/^Choose date$/, () => "Choisir une date"],
    [/^Empty$/, () => "vide"],
    [/^day, (.+)$/, (m) => `jour, ${m[1]}`],
    [/^month, (.+)$/, (m) => `mois, ${m[1]}`],
    [/^year, (.+)$/, (m) => `année, ${m[1]}`],
    [/^Collapse sidebar$/, () => "Replier la barre latérale"],
    [/^Expand sidebar$/, () => "Déplier la barre latérale"],
    [/^App pages$/, () => "Pages de l'application"],
    [/^Selected values$/, () => "Valeurs choisies"],
    [/^Open$/, () => "Ouvrir"],
    [/^Close$/, () => "Fermer"],
    [/^(DD|dd)\/(MM|mm)\/(YYYY|yyyy)$/, () => "jj/mm/aaaa"],
    [/^(YYYY|yyyy)\/(MM|mm)\/(DD|dd)$/, () => "aaaa/mm/jj"],
  ];

  const SEGMENTS = { day: "jj", month: "mm", year: "aaaa" };

  function translate(text, rules) {
    const trimmed = text.trim();
    if (!trimmed || trimmed.length > 80) return null;
    for (const [pattern, make] of rules) {
      const m = trimmed.match(pattern);
      if (m) return text.replace(trimmed, make(m));
    }
    return null;
  }

  function frenchNode(node) {
    if (node.nodeType === Node.TEXT_NODE) {
      const parent = node.parentElement;
      if (!parent || parent.closest("script, style, code, pre, .stMarkdown, [data-testid='stTable']")) return;
      const segment = SEGMENTS[parent.dataset.type];  // a date field's placeholder: « jj / mm / aaaa »
      const done = segment && parent.dataset.placeholder === "true" ? segment : translate(node.nodeValue, TEXT);
      if (done !== null && done !== node.nodeValue) node.nodeValue = done;
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    for (const name of ["aria-label", "title", "placeholder", "aria-valuetext"]) {
      const value = node.getAttribute(name);
      if (value) {
        const done = translate(value, ATTRIBUTE) ?? (name === "placeholder" ? translate(value, TEXT) : null);
        if (done !== null && done !== value) node.setAttribute(name, done);
      }
    }
  }

  function frenchTree(root) {
    frenchNode(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) frenchNode(n);
  }

  function start() {
    frenchTree(document.body);
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === "characterData") frenchNode(r.target);
        else if (r.type === "attributes") frenchNode(r.target);
        else r.addedNodes.forEach(frenchTree);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true,
      attributeFilter: ["aria-label", "title", "placeholder", "aria-valuetext", "data-placeholder"] });
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
