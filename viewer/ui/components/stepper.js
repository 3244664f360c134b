// The case stepper: timeline, image with vector annotations, caption, findings and the lesion
// size chart, in three modes (payload.mode):
//   browse   the case page: timeline, arrow keys, annotation toggle;
//   present  a lecturer at a projector: full screen, Space reveals a step layer by layer
//            (image, annotations, caption, findings), N presenter notes, Esc back to browse;
//   quiz     one step, no stepping; payload.revealed false shows the image without
//            annotations and the heading only.
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

function buildStage(image, withAnnotations) {
  const wrap = el("div", "cv-stagewrap");
  // The box the stage is fitted into (presenter mode sizes the stage from this box).
  const box = el("div", "cv-stagebox");
  const stage = el("div", "cv-stage");
  // The stage keeps the image's aspect ratio so the overlay always lines up with it.
  const ratio = image.width / image.height;
  stage.style.aspectRatio = `${image.width} / ${image.height}`;
  stage.style.setProperty("--cv-ratio", String(ratio));
  stage.style.maxWidth = `min(100%, calc(75vh * ${ratio}))`;
  const img = el("img", "cv-img");
  img.alt = image.alt;
  img.width = image.width;
  img.height = image.height;
  img.decoding = "sync";
  img.src = image.url;
  stage.appendChild(img);
  const viewBox = `0 0 ${image.width} ${image.height}`;
  const scale = svgEl("svg", { viewBox, class: "cv-scalebar", "aria-hidden": "true" });
  const group = svgEl("g", {});
  const scaleGroup = svgEl("g", {});
  for (const shape of image.shapes || []) {
    if (shape.layer === "scale") drawShape(scaleGroup, shape);
    else if (withAnnotations) drawShape(group, shape);
  }
  scale.appendChild(scaleGroup);
  if (withAnnotations) {
    const svg = svgEl("svg", { viewBox, class: "cv-overlay", "aria-hidden": "true" });
    svg.appendChild(group);
    stage.append(img, svg, scale);
  } else {
    stage.append(img, scale);
  }
  box.appendChild(stage);
  wrap.appendChild(box);
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

function buildFigure(step, withAnnotations) {
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
      block.appendChild(buildStage(image, withAnnotations));
    }
    const detail = `${image.provenanceDetail} Calibration: ${image.calibration}.`;
    const prov = el("figcaption", "cv-prov", detail);
    prov.title = detail; // presenter mode may cut it to two lines
    block.appendChild(prov);
    figure.appendChild(block);
  });
  return figure;
}

function list(title, items, className) {
  const section = el("section", `cv-list ${className}`);
  section.appendChild(el("h3", "", title));
  const ul = el("ul");
  for (const item of items) ul.appendChild(el("li", "", item));
  section.appendChild(ul);
  return section;
}

// The step's text. `revealed` false shows the heading and view only (quiz, before answering);
// the parts a presenter reveals layer by layer carry their own classes (cv-caption, cv-details).
function buildText(step, revealed, chart) {
  const text = el("div", "cv-text");
  text.appendChild(el("h2", "cv-heading", `Panel ${step.panel} · ${step.date} · ${step.modality}`));
  text.appendChild(el("p", "cv-view", step.view));
  if (!revealed) return text;
  if (step.caption) text.appendChild(el("blockquote", "cv-caption", step.caption));
  const details = el("div", "cv-details");
  if (step.note) {
    const note = el("div", "cv-note");
    note.appendChild(el("strong", "", "Editorial note: "));
    note.appendChild(el("span", "", step.note));
    details.appendChild(note);
  }
  const findings = step.findings || [];
  const points = step.teachingPoints || [];
  if (findings.length) details.appendChild(list("Findings", findings, "cv-findings"));
  if (points.length) details.appendChild(list("Teaching points", points, "cv-points"));
  if (chart) details.appendChild(chart);
  if (details.childNodes.length) text.appendChild(details);
  return text;
}

// ---------------------------------------------------------------------------------------------
// The lesion timeline chart: size (mm) over time, one per step with that step highlighted.

function mm(size) {
  return `${Number.isInteger(size) ? size : size.toFixed(1)} mm`;
}

function markSummary(mark) {
  return `Panel ${mark.panel}, ${mark.date}, ${mark.sizeMm === null ? "not measured" : mm(mark.sizeMm)}`;
}

// Where a point's size label goes: on the side its line leaves free (above a peak, below a
// dip, beside a slope; the last point's label to its right, the first point's away from the axis).
function labelPlace(sized, k, y, axisY, gap) {
  const size = sized[k].sizeMm;
  const before = k > 0 ? Math.sign(size - sized[k - 1].sizeMm) : null;
  const after = k < sized.length - 1 ? Math.sign(sized[k + 1].sizeMm - size) : null;
  const above = { dx: 0, dy: -gap - 4, anchor: "middle" };
  const below = { dx: 0, dy: gap + 12, anchor: "middle" };
  const upperRight = { dx: gap, dy: -gap + 2, anchor: "start" };
  const upperLeft = { dx: -gap, dy: -gap + 2, anchor: "end" };
  const lowerRight = { dx: gap, dy: gap + 6, anchor: "start" };
  if (after === null) return upperRight;
  if (before === null) return after > 0 && y + gap + 12 < axisY - 4 ? lowerRight : upperRight;
  if (before >= 0 && after <= 0) return above;
  if (before <= 0 && after >= 0) return y + gap + 12 < axisY - 4 ? below : above;
  return before > 0 ? upperLeft : upperRight;
}

// `chart` is payload.chart, `currentPanel` the step this copy belongs to, `open(panel, byKey)`
// opens a step; `width` and `plotH` are the drawing's own units (a narrower drawing shows
// larger text once scaled to the same space).
//
// The current step is marked without relying on colour: a dashed line at its date with the
// words "this step" above the plot, a larger diamond instead of a dot when it has a size (a
// triangle under its tick when it has none), and its date label in bold.
function buildChart(chart, currentPanel, open, { width, plotH, heading }) {
  const marks = chart.marks;
  const yMax = chart.yMaxMm;
  const font = 13;
  const line = font + 3;
  const left = 60;
  const right = 30;
  const pad = 26; // between the y axis and the first date, and after the last
  const top = 46;
  const plotW = width - left - right;
  const xOf = (t) => left + pad + t * (plotW - 2 * pad);
  const yOf = (size) => top + plotH - (size / yMax) * plotH;
  const axisY = top + plotH;
  const current = marks.find((m) => m.panel === currentPanel);

  // Tick labels: marks sharing a date share a tick and stack their labels; a label block
  // that would overlap a neighbour's moves down below it.
  const groups = [];
  for (const mark of marks) {
    const last = groups[groups.length - 1];
    if (last && Math.abs(last.t - mark.t) < 1e-9) last.marks.push(mark);
    else groups.push({ t: mark.t, marks: [mark] });
  }
  const placed = [];
  let bottom = axisY;
  for (const group of groups) {
    const chars = Math.max(...group.marks.map((m) => `${m.panel} ${m.date}`.length));
    const half = (chars * font * 0.56) / 2 + 3;
    const x = Math.min(Math.max(xOf(group.t), half), width - half);
    const height = group.marks.length * line;
    let y = axisY + 19;
    for (const box of placed) {
      if (x - half < box.x1 && x + half > box.x0 && y < box.y1 && y + height > box.y0) y = box.y1 + 4;
    }
    group.label = { x, y };
    placed.push({ x0: x - half, x1: x + half, y0: y, y1: y + height });
    bottom = Math.max(bottom, y + height);
  }
  const height = bottom + 8;

  const summary = `Lesion size over time: ${marks.map(markSummary).join("; ")}.`;
  const svg = svgEl("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "cv-chart-svg",
    role: "group",
    "aria-label": summary,
  });
  const title = svgEl("title", {});
  title.textContent = summary;
  svg.appendChild(title);

  // Grid and y axis: a labelled line every 5 mm, or 10, 20, 50 when lines would crowd; the
  // unit on the top one.
  const stepMm = [5, 10, 20, 50, 100].find((v) => (v / yMax) * plotH >= 22) || 100;
  const grid = svgEl("g", { class: "cv-chart-grid", "aria-hidden": "true" });
  for (let v = 0; v <= yMax + 1e-9; v += stepMm) {
    const y = yOf(v);
    grid.appendChild(svgEl("line", { x1: left, y1: y, x2: width - right, y2: y, class: v === 0 ? "cv-chart-axis" : "cv-chart-gridline" }));
    const label = svgEl("text", { x: left - 8, y, "text-anchor": "end", "dominant-baseline": "middle", class: "cv-chart-tick" });
    label.textContent = String(v);
    if (v + stepMm > yMax + 1e-9) {
      // The unit, on the top line's label.
      const unit = svgEl("tspan", { class: "cv-chart-unit" });
      unit.textContent = " mm";
      label.appendChild(unit);
    }
    grid.appendChild(label);
  }
  svg.appendChild(grid);

  // This step: a dashed line at its date, labelled above the plot.
  if (current) {
    const x = xOf(current.t);
    const here = svgEl("g", { class: "cv-chart-here", "aria-hidden": "true" });
    here.appendChild(svgEl("line", { x1: x, y1: top - 10, x2: x, y2: axisY, class: "cv-chart-here-line" }));
    const tx = Math.min(Math.max(x, 36), width - 36);
    const text = svgEl("text", { x: tx, y: top - 16, "text-anchor": "middle", class: "cv-chart-here-text" });
    text.textContent = "▼ this step";
    here.appendChild(text);
    if (current.sizeMm === null) {
      here.appendChild(svgEl("polygon", {
        points: `${x},${axisY + 3} ${x - 8},${axisY + 15} ${x + 8},${axisY + 15}`,
        class: "cv-chart-here-mark",
      }));
    }
    svg.appendChild(here);
  }

  // x axis: a tick per date, labelled with each panel and date.
  const ticks = svgEl("g", { class: "cv-chart-x", "aria-hidden": "true" });
  for (const group of groups) {
    const x = xOf(group.t);
    ticks.appendChild(svgEl("line", { x1: x, y1: axisY, x2: x, y2: axisY + 6, class: "cv-chart-axis" }));
    const { x: lx, y: ly } = group.label;
    group.marks.forEach((mark, k) => {
      const isCurrent = mark.panel === currentPanel;
      const text = svgEl("text", {
        x: lx, y: ly + k * line, "text-anchor": "middle", "dominant-baseline": "hanging",
        class: isCurrent ? "cv-chart-date cv-chart-date-current" : "cv-chart-date",
      });
      text.textContent = `${mark.panel} ${mark.date}`;
      ticks.appendChild(text);
    });
  }
  svg.appendChild(ticks);

  // The line through every measured step, then the points on top.
  const sized = marks.filter((m) => m.sizeMm !== null);
  svg.appendChild(svgEl("polyline", {
    points: sized.map((m) => `${xOf(m.t)},${yOf(m.sizeMm)}`).join(" "),
    class: "cv-chart-line",
    "aria-hidden": "true",
  }));
  for (const mark of sized) {
    const x = xOf(mark.t);
    const y = yOf(mark.sizeMm);
    const isCurrent = mark.panel === currentPanel;
    const point = svgEl("g", {
      class: isCurrent ? "cv-point cv-point-current" : "cv-point",
      role: "button",
      tabindex: "0",
      "data-panel": mark.panel,
      "aria-label": `${markSummary(mark)}: ${isCurrent ? "this step" : "open step"}`,
    });
    if (isCurrent) point.setAttribute("aria-current", "step");
    point.appendChild(svgEl("circle", { cx: x, cy: y, r: 17, class: "cv-point-hit" }));
    point.appendChild(svgEl("circle", { cx: x, cy: y, r: 16, class: "cv-point-ring" }));
    if (isCurrent) {
      const r = 11;
      point.appendChild(svgEl("polygon", { points: `${x},${y - r} ${x + r},${y} ${x},${y + r} ${x - r},${y}`, class: "cv-point-mark" }));
    } else {
      point.appendChild(svgEl("circle", { cx: x, cy: y, r: 6, class: "cv-point-mark" }));
    }
    const place = labelPlace(sized, sized.indexOf(mark), y, axisY, isCurrent ? 15 : 10);
    const label = svgEl("text", { x: x + place.dx, y: y + place.dy, "text-anchor": place.anchor, class: "cv-point-label" });
    label.textContent = mm(mark.sizeMm);
    point.appendChild(label);
    point.addEventListener("click", () => open(mark.panel, false));
    point.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        open(mark.panel, true);
      }
    });
    svg.appendChild(point);
  }

  const section = el("section", "cv-chart");
  section.dataset.panel = currentPanel;
  if (heading) section.appendChild(el("h3", "", "Lesion size over time"));
  section.appendChild(svg);
  return section;
}

// ---------------------------------------------------------------------------------------------

// The element a key event really started on (events from inside the shadow root reach window
// retargeted to the host).
function origin(event) {
  const path = event.composedPath ? event.composedPath() : [];
  return path.length ? path[0] : event.target;
}

const NOT_TEXT = new Set(["checkbox", "radio", "button", "submit", "reset", "range", "color", "file", "image"]);

// Keys typed into a text field (or a select) are the field's own.
function isTyping(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toLowerCase();
  if (tag === "input") return !NOT_TEXT.has((target.type || "text").toLowerCase());
  return tag === "textarea" || tag === "select" || target.isContentEditable;
}

function isSlider(target) {
  return Boolean(target && target.tagName && target.tagName.toLowerCase() === "input" && target.type === "range");
}

// A control that Space or Enter activates by itself.
function isControl(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toLowerCase();
  return isTyping(target) || tag === "input" || tag === "button" || tag === "a" || tag === "summary"
    || (target.getAttribute && target.getAttribute("role") === "button");
}

function button(className, text, title, onClick) {
  const b = el("button", className, text);
  b.type = "button";
  if (title) b.title = title;
  b.addEventListener("click", onClick);
  return b;
}

const LAYERS = ["image", "annotations", "caption", "findings"];
const NEXT_LAYER_LABEL = ["Reveal annotations", "Reveal caption", "Reveal findings", "Next step"];

function mode(data) {
  return data.mode === "present" || data.mode === "quiz" ? data.mode : "browse";
}

export default function (component) {
  const { data, parentElement } = component;
  const host = parentElement;
  const steps = data.steps;
  const m = mode(data);
  // A new case version, mode, reveal state or step list builds the component afresh.
  const key = [data.caseId, data.version, m, m === "quiz" ? String(Boolean(data.revealed)) : "",
    steps.map((s) => s.panel).join("")].join("|");
  if (host.__cv && host.__cv.key === key) return host.__cv.cleanup;
  if (host.__cv) host.__cv.cleanup();
  const cleanup = m === "quiz" ? mountQuiz(component) : mountStepper(component, m);
  host.__cv = { key, cleanup };
  return cleanup;
}

// Quiz: one step, no stepping; before the reveal the image without annotations and the
// heading only, after it everything with the annotations on.
function mountQuiz(component) {
  const { data, parentElement: host } = component;
  const step = data.steps[0];
  const revealed = Boolean(data.revealed);
  const root = el("div", "cv cv-quiz");
  root.setAttribute("role", "region");
  root.setAttribute("aria-label", `Quiz step: panel ${step.panel}`);
  root.dataset.revealed = String(revealed);
  root.dataset.mode = "quiz";
  const body = el("div", "cv-body");
  const view = el("article", "cv-step");
  view.dataset.panel = step.panel;
  view.append(buildFigure(step, revealed), buildText(step, revealed, null));
  body.appendChild(view);
  root.appendChild(body);
  host.appendChild(root);
  root.dataset.step = step.panel;
  root.dataset.paintedStep = step.panel;
  root.dataset.ready = "true";
  const cleanup = () => {
    for (const wrap of view.querySelectorAll(".cv-stagewrap")) if (wrap.cine) wrap.cine.pause();
    root.remove();
    host.__cv = undefined;
  };
  return cleanup;
}

function mountStepper(component, m) {
  const { data, parentElement: host, setStateValue, setTriggerValue } = component;
  const present = m === "present";
  const steps = data.steps;
  const root = el("div", present ? "cv cv-present" : "cv");
  root.setAttribute("role", "region");
  root.setAttribute("aria-label", present ? `Presenting: ${data.title}` : `Case: ${data.title}`);
  root.dataset.mode = m;

  let current = Math.max(0, steps.findIndex((s) => s.panel === data.initialPanel));
  let reported = data.initialPanel;
  let layer = 1;

  // Timeline (browse only: the presenter steps with the keys and the bar).
  const tabs = steps.map((step, i) => {
    const b = el("button", "cv-tab");
    b.type = "button";
    b.dataset.panel = step.panel;
    b.appendChild(el("span", "cv-tab-panel", step.panel));
    b.appendChild(el("span", "cv-tab-date", step.date));
    b.appendChild(el("span", "cv-tab-elapsed", step.elapsed));
    b.title = `Panel ${step.panel}: ${step.modality}, ${step.date} (${step.elapsed})`;
    b.addEventListener("click", () => go(i));
    return b;
  });
  if (!present) {
    const timeline = el("nav", "cv-timeline");
    timeline.setAttribute("aria-label", "Case timeline");
    timeline.append(...tabs);
    root.appendChild(timeline);
  }

  // Controls.
  const prev = button("cv-prev", "← Previous", present ? "Previous step (←)" : "", () => go(current - 1));
  prev.setAttribute("aria-keyshortcuts", "ArrowLeft");
  const next = button("cv-next", "Next →", present ? "Next step (→)" : "", () => go(current + 1));
  next.setAttribute("aria-keyshortcuts", "ArrowRight");
  const counter = el("span", "cv-counter");
  counter.setAttribute("aria-live", "polite");
  const toggle = el("input");
  let reveal = null;
  let notesButton = null;
  let imageButton = null;
  let notes = null;
  let notesText = null;
  let notesTitle = null;
  if (!present) {
    const controls = el("div", "cv-controls");
    const toggleLabel = el("label", "cv-toggle");
    toggle.type = "checkbox";
    toggle.checked = data.showAnnotations !== false;
    toggle.className = "cv-toggle-input";
    toggle.setAttribute("aria-keyshortcuts", "A");
    toggleLabel.appendChild(toggle);
    toggleLabel.appendChild(el("span", "", " Annotations (A)"));
    const presentButton = button("cv-present-button", "Present (P)", "Presenter mode for a projector", () => switchMode("present"));
    presentButton.setAttribute("aria-keyshortcuts", "P");
    const hint = el("span", "cv-hint", "Keys: ← → step, A annotations, K play, , . frame, P present");
    controls.append(prev, counter, next, toggleLabel, presentButton, hint);
    root.appendChild(controls);
  }

  // Steps: each built once, shown one at a time.
  const body = el("div", "cv-body");
  const views = steps.map((step) => {
    const view = el("article", "cv-step");
    view.dataset.panel = step.panel;
    view.hidden = true;
    const chart = data.chart && !present
      ? buildChart(data.chart, step.panel, openPanel, { width: 560, plotH: 150, heading: true })
      : null;
    view.append(buildFigure(step, true), buildText(step, true, chart));
    body.appendChild(view);
    return view;
  });
  root.appendChild(body);

  let chartStrip = null;
  let chartButton = null;
  if (present) {
    // The lesion chart: a strip across the screen, shown and hidden with G (kept across steps),
    // one copy per step with that step marked, shown like the steps.
    if (data.chart) {
      chartStrip = el("section", "cv-pchart");
      chartStrip.id = "cv-pchart";
      chartStrip.setAttribute("aria-label", "Lesion size over time");
      chartStrip.hidden = true;
      chartStrip.appendChild(el("h2", "cv-pchart-title", "Lesion size over time"));
      const stack = el("div", "cv-pchart-stack");
      for (const step of steps) {
        const copy = buildChart(data.chart, step.panel, openPanel, { width: 1200, plotH: 72, heading: false });
        copy.hidden = true;
        stack.appendChild(copy);
      }
      chartStrip.appendChild(stack);
      root.appendChild(chartStrip);
    }

    // Presenter notes: a panel of their own, shown and hidden with N; stays as set across steps.
    notes = el("aside", "cv-notes");
    notes.setAttribute("aria-label", "Presenter notes");
    notes.id = "cv-notes";
    notes.hidden = true;
    notesTitle = el("h2", "cv-notes-title");
    notesText = el("p", "cv-notes-text");
    notes.append(notesTitle, notesText);
    root.appendChild(notes);

    const bar = el("div", "cv-pbar");
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Presenter controls");
    reveal = button("cv-reveal", "", "Reveal the next layer (Space)", advance);
    reveal.setAttribute("aria-keyshortcuts", "Space");
    notesButton = button("cv-notes-button", "Notes (N)", "Show or hide presenter notes (N)", () => setNotes(notes.hidden));
    notesButton.setAttribute("aria-keyshortcuts", "N");
    notesButton.setAttribute("aria-controls", "cv-notes");
    notesButton.setAttribute("aria-pressed", "false");
    imageButton = button("cv-image-button", "", "Show the step's next image (I)", () => cycleImage());
    imageButton.setAttribute("aria-keyshortcuts", "I");
    if (chartStrip) {
      chartButton = button("cv-chart-button", "Chart (G)", "Show or hide the lesion size chart (G)", () => setChart(chartStrip.hidden));
      chartButton.setAttribute("aria-keyshortcuts", "G");
      chartButton.setAttribute("aria-controls", "cv-pchart");
      chartButton.setAttribute("aria-pressed", "false");
    }
    let liveButton = null;
    if (data.live) {
      liveButton = button("cv-live-button", "Go live (L)", "Start a live session at this step: the room joins with a code and follows you (L)", () => switchMode("live"));
      liveButton.setAttribute("aria-keyshortcuts", "L");
    }
    const exit = button("cv-exit", "Exit presenter (Esc)", "Back to the case page at this step", () => switchMode("browse"));
    exit.setAttribute("aria-keyshortcuts", "Escape");
    counter.classList.add("cv-status");
    bar.append(prev, reveal, next, counter, imageButton, notesButton);
    if (chartButton) bar.appendChild(chartButton);
    if (liveButton) bar.appendChild(liveButton);
    bar.append(exit);
    for (const b of bar.querySelectorAll("button")) {
      // After a mouse click give the focus back, so Space keeps meaning "reveal";
      // keyboard activation (detail 0) keeps the focus where the user put it.
      b.addEventListener("click", (event) => { if (event.detail > 0) b.blur(); });
    }
    root.appendChild(bar);
  }
  host.appendChild(root);

  function setAnnotations(on) {
    toggle.checked = on;
    root.classList.toggle("cv-hide-annotations", !on);
  }
  if (!present) {
    setAnnotations(toggle.checked);
    toggle.addEventListener("change", () => setAnnotations(toggle.checked));
  }

  function syncUrl(panel) {
    // case, mode, step first (in that order), anything else the address holds after them;
    // a layer asked for by a deep link belongs to the step it opened.
    const old = new URLSearchParams(window.location.search);
    const params = new URLSearchParams();
    params.set("case", data.caseId);
    if (present) params.set("mode", "present");
    params.set("step", panel);
    for (const [k, v] of old) if (!["case", "mode", "step", "layer"].includes(k)) params.append(k, v);
    window.history.replaceState(window.history.state, "", `${window.location.pathname}?${params}`);
  }

  // Streamlit applies the server's copy of the address a moment later; when that copy is of
  // a step the reader has already left (two quick key presses), put the address right again.
  let guard = 0;
  function guardUrl() {
    clearInterval(guard);
    let checks = 0;
    guard = setInterval(() => {
      const shown = steps[current].panel;
      const inUrl = new URLSearchParams(window.location.search).get("step");
      if (inUrl !== shown && !root.dataset.leaving) syncUrl(shown);
      checks += 1;
      if (checks >= 12) clearInterval(guard);
    }, 250);
  }

  function report(panel) {
    if (reported === panel) return;
    reported = panel;
    setStateValue("step", panel);
  }

  function switchMode(target) {
    // The server redraws the page in the other mode at this step.
    const panel = steps[current].panel;
    root.dataset.leaving = target;
    report(panel);
    // Going live starts the room where the presenter is: this step, this layer.
    if (target === "live") setStateValue("layer", layer);
    setTriggerValue("mode", target);
    // Normally the page is redrawn long before; if not, go on stepping here.
    setTimeout(() => { delete root.dataset.leaving; }, 5000);
  }

  function cinesOf(i) {
    return Array.from(views[i].querySelectorAll(".cv-stagewrap")).map((w) => w.cine).filter(Boolean);
  }

  // Presenter: one of the step's images at a time, as large as the screen allows.
  let imageIndex = 0;
  function showImage(view, k) {
    const blocks = Array.from(view.querySelectorAll(".cv-imageblock"));
    const count = Math.max(blocks.length, 1);
    const index = k % count;
    blocks.forEach((block, n) => { block.hidden = n !== index; });
    return { index, count };
  }
  function updateImageButton(count) {
    imageButton.disabled = count < 2;
    imageButton.textContent = `Image ${imageIndex + 1} of ${count} (I)`;
  }
  function cycleImage() {
    cinesOf(current).forEach((c) => c.pause());
    const { index, count } = showImage(views[current], imageIndex + 1);
    imageIndex = index;
    updateImageButton(count);
    fitColumns(views[current]);
  }
  if (present) for (const view of views) showImage(view, 0);

  function setLayer(n) {
    layer = Math.min(Math.max(n, 1), LAYERS.length);
    root.dataset.layer = String(layer);
    updateStatus();
    if (layer === LAYERS.length) fitDetails(views[current]);
  }

  function updateStatus() {
    const step = steps[current];
    if (!present) {
      counter.textContent = `Step ${current + 1} of ${steps.length}`;
      return;
    }
    counter.textContent = `Panel ${step.panel} · step ${current + 1} of ${steps.length} · Layer ${layer}/${LAYERS.length}: ${LAYERS[layer - 1]}`;
    const last = layer === LAYERS.length && current === steps.length - 1;
    reveal.textContent = last ? "End of case" : `${NEXT_LAYER_LABEL[layer - 1]} (Space)`;
    reveal.disabled = last;
  }

  function setNotes(on) {
    notes.hidden = !on;
    notesButton.setAttribute("aria-pressed", String(on));
    notesButton.textContent = on ? "Hide notes (N)" : "Notes (N)";
    root.dataset.notes = on ? "shown" : "hidden";
    fit();
  }

  function setChart(on) {
    if (!chartStrip) return;
    chartStrip.hidden = !on;
    chartButton.setAttribute("aria-pressed", String(on));
    chartButton.textContent = on ? "Hide chart (G)" : "Chart (G)";
    root.dataset.chart = on ? "shown" : "hidden";
    fit();
  }

  function chartCopy(panel) {
    return chartStrip ? chartStrip.querySelector(`.cv-chart[data-panel="${CSS.escape(panel)}"]`) : null;
  }

  // Presenter layout: the image column as wide as the image fitted to the height left for it
  // (the text gets the rest, at least a third of the screen), then the findings' text scaled
  // down (never the caption) until the layer-4 text fits its column.
  function fitColumns(view) {
    const block = Array.from(view.querySelectorAll(".cv-imageblock")).find((b) => !b.hidden);
    const box = block && block.querySelector(".cv-stagebox");
    const stage = box && box.querySelector(".cv-stage");
    if (!stage) { view.style.gridTemplateColumns = ""; return; }
    const ratio = Number(stage.style.getPropertyValue("--cv-ratio")) || 1;
    const minText = Math.max(340, 0.35 * window.innerWidth);
    const room = view.clientWidth - 32 - minText;
    for (let pass = 0; pass < 2; pass += 1) {
      // Twice: the provenance line under the image wraps differently once the column changes.
      const width = Math.max(160, Math.min(room, box.clientHeight * ratio));
      view.style.gridTemplateColumns = `${Math.floor(width)}px minmax(0, 1fr)`;
    }
  }

  function fitDetails(view) {
    const text = view.querySelector("div.cv-text");
    const details = text && text.querySelector(".cv-details");
    if (!details) return;
    const fits = (k) => {
      details.style.setProperty("--cv-fit", String(k));
      return text.scrollHeight <= text.clientHeight + 1;
    };
    if (layer < LAYERS.length || fits(1)) return;
    // Never below 15 px: past that the column scrolls instead.
    const base = parseFloat(getComputedStyle(details).fontSize) || 16;
    let low = Math.min(1, Math.max(0.72, 15 / base));
    if (!fits(low)) return;
    let high = 1;
    for (let n = 0; n < 6; n += 1) {
      const mid = (low + high) / 2;
      if (fits(mid)) low = mid; else high = mid;
    }
    fits(low);
  }

  function fit() {
    if (!present) return;
    for (const view of views) fitColumns(view);
    fitDetails(views[current]);
  }

  function show(i, reportStep, startLayer) {
    cinesOf(current).forEach((c) => c.pause());
    if (present && imageIndex !== 0) {
      // Leave the step as it was built: its first image shown.
      showImage(views[current], 0);
      fitColumns(views[current]);
      imageIndex = 0;
    }
    views[current].hidden = true;
    tabs[current].removeAttribute("aria-current");
    current = i;
    views[i].hidden = false;
    tabs[i].setAttribute("aria-current", "step");
    prev.disabled = i === 0;
    next.disabled = i === steps.length - 1;
    const panel = steps[i].panel;
    root.dataset.step = panel;
    if (present) {
      notesTitle.textContent = `Presenter notes · panel ${panel}`;
      notesText.textContent = steps[i].presenterNotes || "No notes for this step.";
      notesText.classList.toggle("cv-notes-empty", !steps[i].presenterNotes);
      if (chartStrip) {
        for (const copy of chartStrip.querySelectorAll(".cv-chart")) copy.hidden = copy.dataset.panel !== panel;
      }
      updateImageButton(Math.max(views[i].querySelectorAll(".cv-imageblock").length, 1));
      setLayer(startLayer || 1);
    } else {
      updateStatus();
    }
    // Paint first; only then update the address and tell the server, so neither the
    // history API nor Streamlit's messaging delays the frame the user is waiting for.
    let done = false;
    const afterPaint = () => {
      if (done) return;
      done = true;
      root.dataset.paintedStep = panel;
      performance.mark(`cv-painted-${panel}`);
      if (reportStep && current === i && !root.dataset.leaving) {
        syncUrl(panel);
        guardUrl();
        report(panel);
      }
    };
    requestAnimationFrame(() => setTimeout(afterPaint, 0));
    // Hidden tabs (and idle headless pages) may not run frames: report anyway.
    setTimeout(afterPaint, 150);
  }

  function go(i) {
    if (i < 0 || i >= steps.length || i === current) return;
    show(i, true, 1);
  }

  function advance() {
    if (layer < LAYERS.length) setLayer(layer + 1);
    else go(current + 1);
  }

  // A chart point opens its step; from the keyboard the focus follows to the same point in
  // the step just opened, so the reader can go on from there.
  function openPanel(panel, byKeyboard) {
    const i = steps.findIndex((s) => s.panel === panel);
    if (i < 0) return;
    go(i);
    if (byKeyboard) {
      const holder = present ? chartCopy(panel) : views[i];
      const point = holder && holder.querySelector(`.cv-point[data-panel="${CSS.escape(panel)}"]`);
      if (point) point.focus({ preventScroll: true });
    }
  }

  function onKey(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    const target = origin(event);
    if (isTyping(target)) return;
    const k = event.key;
    if (isSlider(target) && (k === "ArrowLeft" || k === "ArrowRight")) return; // moves the frame
    if (k === "ArrowRight") { go(current + 1); event.preventDefault(); }
    else if (k === "ArrowLeft") { go(current - 1); event.preventDefault(); }
    else if (k === "k" || k === "K") { cinesOf(current).forEach((c) => c.toggle()); }
    else if (k === ",") { cinesOf(current).forEach((c) => c.step(-1)); }
    else if (k === ".") { cinesOf(current).forEach((c) => c.step(1)); }
    else if (!present) {
      if (k === "a" || k === "A") { setAnnotations(!toggle.checked); }
      else if (k === "p" || k === "P") { switchMode("present"); }
    } else if (k === " " || k === "Spacebar" || k === "PageDown") {
      if (k !== "PageDown" && isControl(target)) return; // Space activates the focused control
      advance();
      event.preventDefault();
    } else if (k === "PageUp") { go(current - 1); event.preventDefault(); }
    else if (k === "n" || k === "N") { setNotes(notes.hidden); }
    else if ((k === "g" || k === "G") && chartStrip) { setChart(chartStrip.hidden); }
    else if (k === "i" || k === "I") { cycleImage(); }
    else if ((k === "l" || k === "L") && data.live) { switchMode("live"); }
    else if (k === "Escape") { switchMode("browse"); event.preventDefault(); }
  }
  // Capture phase on window: runs before the page's own (React) key handling.
  window.addEventListener("keydown", onKey, true);

  if (present) { setNotes(false); setChart(false); }
  show(current, false, present ? Math.min(Math.max(Number(data.initialLayer) || 1, 1), LAYERS.length) : 1);
  const onResize = () => fit();
  if (present) {
    window.addEventListener("resize", onResize);
    fit();
  }
  root.dataset.ready = "true";

  return () => {
    clearInterval(guard);
    window.removeEventListener("keydown", onKey, true);
    window.removeEventListener("resize", onResize);
    for (const i of steps.keys()) cinesOf(i).forEach((c) => c.pause());
    root.remove();
    host.__cv = undefined;
  };
}
