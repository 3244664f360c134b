// The case stepper: timeline, image with vector annotations, caption and findings.
//
// Every step is built once at mount (images preloaded and decoded) and stepping only
// toggles visibility, so a key press repaints without a server round trip. Case text is
// data: it is only ever set with textContent, never parsed as HTML.
const SVG = "http://www.w3.org/2000/svg";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function svgEl(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function drawShape(group, shape) {
  // Each shape twice: a dark halo, then the bright stroke, so it reads on any background.
  for (const layer of ["halo", "ink"]) {
    let node;
    const extra = layer === "halo" ? 3 : 0;
    if (shape.type === "line") {
      const [[x1, y1], [x2, y2]] = shape.points;
      node = svgEl("line", { x1, y1, x2, y2, "stroke-width": shape.width + extra });
      if (shape.dash && layer === "ink") node.setAttribute("stroke-dasharray", `${shape.width * 4} ${shape.width * 3}`);
    } else if (shape.type === "polygon") {
      node = svgEl("polygon", { points: shape.points.map((p) => p.join(",")).join(" "), "stroke-width": 1 + extra });
    } else if (shape.type === "ellipse") {
      const [cx, cy] = shape.center;
      const [rx, ry] = shape.radii;
      node = svgEl("ellipse", { cx, cy, rx, ry, "stroke-width": shape.width + extra, fill: "none" });
    } else if (shape.type === "text") {
      const [x, y] = shape.at;
      node = svgEl("text", { x, y, "font-size": shape.size, "text-anchor": shape.anchor, "dominant-baseline": "middle" });
      if (layer === "halo") node.setAttribute("stroke-width", shape.size / 4);
      node.textContent = shape.text;
    } else {
      continue;
    }
    node.setAttribute("class", `cv-${layer} cv-${shape.type}${shape.role ? " cv-" + shape.role : ""}`);
    if (shape.frames) {
      node.setAttribute("data-first", shape.frames[0]);
      node.setAttribute("data-last", shape.frames[1]);
    }
    group.appendChild(node);
  }
}

function buildStage(image) {
  const wrap = el("div", "cv-stagewrap");
  const stage = el("div", "cv-stage");
  // The stage keeps the image's aspect ratio so the overlay always lines up with it.
  stage.style.aspectRatio = `${image.width} / ${image.height}`;
  stage.style.maxWidth = `min(100%, calc(75vh * ${image.width / image.height}))`;
  const img = el("img", "cv-img");
  img.alt = image.alt;
  img.width = image.width;
  img.height = image.height;
  img.decoding = "sync";
  img.src = image.url;
  stage.appendChild(img);
  const viewBox = `0 0 ${image.width} ${image.height}`;
  const svg = svgEl("svg", { viewBox, class: "cv-overlay", "aria-hidden": "true" });
  const scale = svgEl("svg", { viewBox, class: "cv-scalebar", "aria-hidden": "true" });
  const group = svgEl("g", {});
  const scaleGroup = svgEl("g", {});
  for (const shape of image.shapes) drawShape(shape.layer === "scale" ? scaleGroup : group, shape);
  svg.appendChild(group);
  scale.appendChild(scaleGroup);
  stage.append(img, svg, scale);
  wrap.appendChild(stage);
  // Decode ahead of time so that showing the stage later paints at once.
  if (img.decode) img.decode().catch(() => {});
  wrap.cine = image.cine ? buildCine(image.cine, stage, img, group) : null;
  if (wrap.cine) wrap.appendChild(wrap.cine.controls);
  return wrap;
}

// A cine loop: every frame preloaded, played in the browser at the recorded frame times.
function buildCine(cine, stage, img, group) {
  const urls = cine.urls;
  const durations = cine.durationsMs;
  const count = urls.length;
  const meanMs = durations.reduce((a, b) => a + b, 0) / count;
  let loaded = 0;
  const preload = urls.map((url) => {
    const image = new Image();
    image.onload = () => {
      loaded += 1;
      stage.dataset.framesLoaded = String(loaded);
      if (loaded === count || loaded % 10 === 0) updateCounter();
    };
    image.src = url;
    return image;
  });
  let frame = 0;
  let playing = false;
  let last = 0;
  let owed = 0;

  const controls = el("div", "cv-cine");
  const play = el("button", "cv-play", "▶ Play");
  play.type = "button";
  play.setAttribute("aria-keyshortcuts", "K");
  const back = el("button", "cv-frame-prev", "‹");
  back.type = "button";
  back.title = "Previous frame (,)";
  back.setAttribute("aria-label", "Previous frame");
  const fwd = el("button", "cv-frame-next", "›");
  fwd.type = "button";
  fwd.title = "Next frame (.)";
  fwd.setAttribute("aria-label", "Next frame");
  const scrub = el("input", "cv-scrub");
  scrub.type = "range";
  scrub.min = "0";
  scrub.max = String(count - 1);
  scrub.value = "0";
  scrub.setAttribute("aria-label", "Frame");
  const counter = el("span", "cv-frame-counter");
  const loopLabel = el("label", "cv-loop");
  const loop = el("input");
  loop.type = "checkbox";
  loop.checked = true;
  loopLabel.append(loop, el("span", "", " Loop"));
  controls.append(play, back, fwd, scrub, counter, loopLabel);

  const framed = Array.from(group.querySelectorAll("[data-first]"));
  function showFrame(i) {
    frame = i;
    img.src = urls[i];
    scrub.value = String(i);
    stage.dataset.frame = String(i);
    updateCounter();
    for (const node of framed) {
      const on = i >= Number(node.dataset.first) && i <= Number(node.dataset.last);
      node.style.display = on ? "" : "none";
    }
  }
  function updateCounter() {
    const fps = `${(1000 / meanMs).toFixed(1)} fps`;
    const loading = loaded < count ? ` · loading ${loaded}/${count}` : "";
    counter.textContent = `Frame ${frame + 1} / ${count} · ${fps}${loading}`;
  }
  function tick(now) {
    if (!playing) return;
    if (last) owed += now - last;
    last = now;
    let next = frame;
    while (owed >= durations[next]) {
      owed -= durations[next];
      next += 1;
      if (next >= count) {
        if (!loop.checked) { next = count - 1; pause(); break; }
        next = 0;
      }
    }
    if (next !== frame) showFrame(next);
    if (playing) requestAnimationFrame(tick);
  }
  function start() {
    if (playing) return;
    if (frame === count - 1 && !loop.checked) showFrame(0);
    playing = true;
    last = 0;
    owed = 0;
    play.textContent = "❚❚ Pause";
    stage.dataset.playing = "true";
    requestAnimationFrame(tick);
  }
  function pause() {
    playing = false;
    play.textContent = "▶ Play";
    stage.dataset.playing = "false";
  }
  function toggle() { if (playing) pause(); else start(); }
  function step(delta) { pause(); showFrame((frame + delta + count) % count); }
  play.addEventListener("click", toggle);
  back.addEventListener("click", () => step(-1));
  fwd.addEventListener("click", () => step(1));
  scrub.addEventListener("input", () => { pause(); showFrame(Number(scrub.value)); });
  showFrame(0);
  return { controls, toggle, pause, step, preload };
}

function buildFigure(step) {
  const figure = el("figure", "cv-figure");
  if (!step.images.length) {
    const empty = el("div", "cv-noimage");
    empty.appendChild(el("p", "cv-noimage-title", `No image for panel ${step.panel} yet`));
    empty.appendChild(el("p", "", "The caption, findings and teaching points are shown beside."));
    figure.appendChild(empty);
    return figure;
  }
  step.images.forEach((image) => {
    const block = el("div", "cv-imageblock");
    // What the image is, above it, where nobody can miss it.
    const label = el("div", "cv-label");
    label.appendChild(el("span", "cv-badge", image.provenance));
    if (image.role !== "primary") label.appendChild(el("span", "cv-role", ` ${image.role} image`));
    block.appendChild(label);
    if (image.error) {
      const failed = el("div", "cv-noimage cv-error");
      failed.setAttribute("role", "alert");
      failed.appendChild(el("p", "cv-noimage-title", "This image cannot be shown"));
      failed.appendChild(el("p", "", image.error));
      block.appendChild(failed);
    } else {
      block.appendChild(buildStage(image));
    }
    block.appendChild(
      el("figcaption", "cv-prov", `${image.provenanceDetail} Calibration: ${image.calibration}.`)
    );
    figure.appendChild(block);
  });
  return figure;
}

function list(title, items) {
  const section = el("section", "cv-list");
  section.appendChild(el("h3", "", title));
  const ul = el("ul");
  for (const item of items) ul.appendChild(el("li", "", item));
  section.appendChild(ul);
  return section;
}

function buildText(step) {
  const text = el("div", "cv-text");
  text.appendChild(el("h2", "cv-heading", `Panel ${step.panel} · ${step.date} · ${step.modality}`));
  text.appendChild(el("p", "cv-view", step.view));
  text.appendChild(el("blockquote", "cv-caption", step.caption));
  if (step.note) {
    const note = el("div", "cv-note");
    note.appendChild(el("strong", "", "Editorial note: "));
    note.appendChild(el("span", "", step.note));
    text.appendChild(note);
  }
  if (step.findings.length) text.appendChild(list("Findings", step.findings));
  if (step.teachingPoints.length) text.appendChild(list("Teaching points", step.teachingPoints));
  return text;
}

function isTyping(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toLowerCase();
  return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const host = parentElement;
  const key = `${data.caseId}|${data.version}`;
  if (host.__cv && host.__cv.key === key) return host.__cv.cleanup;
  if (host.__cv) host.__cv.cleanup();

  const steps = data.steps;
  const root = el("div", "cv");
  root.setAttribute("role", "region");
  root.setAttribute("aria-label", `Case: ${data.title}`);

  // Timeline.
  const timeline = el("nav", "cv-timeline");
  timeline.setAttribute("aria-label", "Case timeline");
  const tabs = steps.map((step, i) => {
    const b = el("button", "cv-tab");
    b.type = "button";
    b.dataset.panel = step.panel;
    b.appendChild(el("span", "cv-tab-panel", step.panel));
    b.appendChild(el("span", "cv-tab-date", step.date));
    b.appendChild(el("span", "cv-tab-elapsed", step.elapsed));
    b.title = `Panel ${step.panel}: ${step.modality}, ${step.date} (${step.elapsed})`;
    b.addEventListener("click", () => go(i));
    timeline.appendChild(b);
    return b;
  });
  root.appendChild(timeline);

  // Controls.
  const controls = el("div", "cv-controls");
  const prev = el("button", "cv-prev", "← Previous");
  prev.type = "button";
  prev.setAttribute("aria-keyshortcuts", "ArrowLeft");
  const counter = el("span", "cv-counter");
  counter.setAttribute("aria-live", "polite");
  const next = el("button", "cv-next", "Next →");
  next.type = "button";
  next.setAttribute("aria-keyshortcuts", "ArrowRight");
  const toggleLabel = el("label", "cv-toggle");
  const toggle = el("input");
  toggle.type = "checkbox";
  toggle.checked = data.showAnnotations !== false;
  toggle.className = "cv-toggle-input";
  toggle.setAttribute("aria-keyshortcuts", "A");
  toggleLabel.appendChild(toggle);
  toggleLabel.appendChild(el("span", "", " Annotations (A)"));
  const hint = el("span", "cv-hint", "Keys: ← → step, A annotations, K play, , . frame");
  controls.append(prev, counter, next, toggleLabel, hint);
  root.appendChild(controls);

  // Steps: each built once, shown one at a time.
  const body = el("div", "cv-body");
  const views = steps.map((step) => {
    const view = el("article", "cv-step");
    view.dataset.panel = step.panel;
    view.hidden = true;
    view.append(buildFigure(step), buildText(step));
    body.appendChild(view);
    return view;
  });
  root.appendChild(body);
  host.appendChild(root);

  let current = Math.max(0, steps.findIndex((s) => s.panel === data.initialPanel));

  function setAnnotations(on) {
    toggle.checked = on;
    root.classList.toggle("cv-hide-annotations", !on);
  }
  setAnnotations(toggle.checked);
  toggle.addEventListener("change", () => setAnnotations(toggle.checked));

  function syncUrl(panel) {
    const params = new URLSearchParams(window.location.search);
    params.set("case", data.caseId);
    params.set("step", panel);
    window.history.replaceState(window.history.state, "", `${window.location.pathname}?${params}`);
  }

  function cinesOf(i) {
    return Array.from(views[i].querySelectorAll(".cv-stagewrap")).map((w) => w.cine).filter(Boolean);
  }

  function show(i, report) {
    cinesOf(current).forEach((c) => c.pause());
    views[current].hidden = true;
    tabs[current].removeAttribute("aria-current");
    current = i;
    views[i].hidden = false;
    tabs[i].setAttribute("aria-current", "step");
    counter.textContent = `Step ${i + 1} of ${steps.length}`;
    prev.disabled = i === 0;
    next.disabled = i === steps.length - 1;
    const panel = steps[i].panel;
    root.dataset.step = panel;
    // Paint first; only then update the address and tell the server, so neither the
    // history API nor Streamlit's messaging delays the frame the user is waiting for.
    let done = false;
    const afterPaint = () => {
      if (done) return;
      done = true;
      root.dataset.paintedStep = panel;
      performance.mark(`cv-painted-${panel}`);
      if (report && current === i) {
        syncUrl(panel);
        setStateValue("step", panel);
      }
    };
    requestAnimationFrame(() => setTimeout(afterPaint, 0));
    // Hidden tabs (and idle headless pages) may not run frames: report anyway.
    setTimeout(afterPaint, 150);
  }

  function go(i) {
    if (i < 0 || i >= steps.length || i === current) return;
    show(i, true);
  }

  prev.addEventListener("click", () => go(current - 1));
  next.addEventListener("click", () => go(current + 1));

  function onKey(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (isTyping(event.target)) return;
    if (event.key === "ArrowRight") { go(current + 1); event.preventDefault(); }
    else if (event.key === "ArrowLeft") { go(current - 1); event.preventDefault(); }
    else if (event.key === "a" || event.key === "A") { setAnnotations(!toggle.checked); }
    else if (event.key === "k" || event.key === "K") { cinesOf(current).forEach((c) => c.toggle()); }
    else if (event.key === ",") { cinesOf(current).forEach((c) => c.step(-1)); }
    else if (event.key === ".") { cinesOf(current).forEach((c) => c.step(1)); }
  }
  // Capture phase on window: runs before the page's own (React) key handling.
  window.addEventListener("keydown", onKey, true);

  show(current, false);
  root.dataset.ready = "true";

  const cleanup = () => {
    window.removeEventListener("keydown", onKey, true);
    root.remove();
    host.__cv = undefined;
  };
  host.__cv = { key, cleanup };
  return cleanup;
}
