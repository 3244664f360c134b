// Boot of the offline export: mounts the stepper (stepper.js, above in this same module)
// without Streamlit, and runs the quiz in the page. Nothing here talks to a network.
// Every name starts with "off" so nothing clashes with stepper.js.

const offData = JSON.parse(document.getElementById("case-data").textContent);
const offApp = document.getElementById("app");
const offPanels = offData.steps.map((s) => s.panel);
const offParams = new URLSearchParams(window.location.search);
const offState = {
  step: offPanels.includes(offParams.get("step")) ? offParams.get("step") : offPanels[0],
  mode: ["present", "quiz"].includes(offParams.get("mode")) ? offParams.get("mode") : "browse",
  answers: {},
};
let offCleanup = null;

function offEl(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function offUrl() {
  const params = new URLSearchParams();
  params.set("case", offData.caseId);
  if (offState.mode !== "browse") params.set("mode", offState.mode);
  params.set("step", offState.step);
  window.history.replaceState(null, "", `${window.location.pathname}?${params}`);
}

function offSwitch(mode) {
  offState.mode = mode;
  if (mode !== "quiz" && !offPanels.includes(offState.step)) offState.step = offPanels[0];
  offMount();
}

function offToolbar() {
  const bar = offEl("nav", "off-bar");
  bar.setAttribute("aria-label", "Views");
  bar.append(offEl("span", "off-title", offData.title));
  for (const [mode, label] of [["browse", "Browse"], ["present", "Present"], ["quiz", "Quiz"]]) {
    const b = offEl("button", "off-mode", label);
    b.type = "button";
    if (offState.mode === mode) b.setAttribute("aria-current", "page");
    b.addEventListener("click", () => offSwitch(mode));
    bar.append(b);
  }
  bar.append(offEl("span", "off-note", `Offline copy exported ${offData.exported}; nothing is sent anywhere.`));
  return bar;
}

function offMount() {
  if (offCleanup) offCleanup();
  offCleanup = null;
  offApp.replaceChildren();
  offUrl();
  if (offState.mode === "quiz") {
    offQuiz();
    return;
  }
  const host = offEl("div", "off-host");
  if (offState.mode !== "present") offApp.append(offToolbar());
  offApp.append(host);
  offCleanup = mountViewer({
    data: { ...offData, mode: offState.mode, initialPanel: offState.step },
    parentElement: host,
    setStateValue: (key, value) => { if (key === "step") offState.step = value; },
    setTriggerValue: (key, value) => {
      if (key === "mode") offSwitch(value === "present" ? "present" : "browse");
    },
  });
}

// --- the quiz, in the page ------------------------------------------------------------------

function offScore(panel) {
  const quiz = offData.quizzes[panel];
  const given = offState.answers[panel];
  if (!quiz || !given) return null;
  const marks = quiz.questions.map((q) => {
    const answer = given[q.id];
    const accepted = quiz.accepted[q.id];
    return { id: q.id, label: q.label, answer, accepted, correct: accepted.includes(answer), why: quiz.why[q.id] || "" };
  });
  return { marks, correct: marks.filter((m) => m.correct).length, total: marks.length };
}

function offQuizNav() {
  const row = offEl("div", "off-progress");
  row.setAttribute("role", "group");
  row.setAttribute("aria-label", "Quiz steps");
  for (const panel of [...offPanels, "summary"]) {
    const score = panel === "summary" ? null : offScore(panel);
    let label = panel === "summary" ? "Summary" : `${panel} ○`;
    if (score) label = `${panel} ✓ ${score.correct}/${score.total}`;
    else if (panel !== "summary" && !offData.quizzes[panel]) label = `${panel} ·`;
    const b = offEl("button", "off-step", label);
    b.type = "button";
    if (panel === offState.step) b.setAttribute("aria-current", "step");
    b.addEventListener("click", () => { offState.step = panel; offMount(); });
    row.append(b);
  }
  return row;
}

function offQuiz() {
  offApp.append(offToolbar(), offQuizNav());
  if (offState.step === "summary") {
    offSummary();
    return;
  }
  const step = offData.steps.find((s) => s.panel === offState.step);
  const quiz = offData.quizzes[step.panel];
  const score = offScore(step.panel);
  const layout = offEl("div", "off-quiz");
  const viewer = offEl("div", "off-quiz-image");
  const side = offEl("section", "off-quiz-answer");
  side.setAttribute("aria-label", "Your answer");
  layout.append(viewer, side);
  offApp.append(layout);
  offCleanup = mountViewer({
    data: { ...offData, mode: "quiz", revealed: Boolean(score) || !quiz, steps: [step], initialPanel: step.panel },
    parentElement: viewer,
    setStateValue: () => {},
    setTriggerValue: () => {},
  });
  if (!quiz) {
    side.append(offEl("p", "", "This step has no question: study it, then go on."));
  } else if (!score) {
    side.append(offForm(step.panel, quiz));
  } else {
    side.append(offFeedback(score, quiz));
  }
  const index = offPanels.indexOf(step.panel);
  const nav = offEl("div", "off-nav");
  if (index > 0) nav.append(offNavButton("← Previous step", offPanels[index - 1]));
  nav.append(offNavButton(index + 1 < offPanels.length ? "Next step →" : "See the summary →",
    index + 1 < offPanels.length ? offPanels[index + 1] : "summary"));
  side.append(nav);
}

function offNavButton(label, target) {
  const b = offEl("button", "off-nav-button", label);
  b.type = "button";
  b.addEventListener("click", () => { offState.step = target; offMount(); });
  return b;
}

function offForm(panel, quiz) {
  const form = offEl("form", "off-form");
  if (quiz.question) form.append(offEl("p", "off-question", quiz.question));
  for (const q of quiz.questions) {
    const set = offEl("fieldset");
    set.append(offEl("legend", "", q.label));
    for (const option of q.options) {
      const label = offEl("label", "off-option");
      const input = document.createElement("input");
      input.type = "radio";
      input.name = q.id;
      input.value = option.value;
      label.append(input, document.createTextNode(` ${option.label}`));
      set.append(label);
    }
    form.append(set);
  }
  const message = offEl("p", "off-message");
  message.setAttribute("role", "alert");
  const submit = offEl("button", "off-submit", "Submit answer");
  submit.type = "submit";
  form.append(submit, message);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const given = {};
    const missing = [];
    for (const q of quiz.questions) {
      const chosen = form.querySelector(`input[name="${CSS.escape(q.id)}"]:checked`);
      if (chosen) given[q.id] = chosen.value;
      else missing.push(q.label);
    }
    if (missing.length) {
      message.textContent = `Answer every question before submitting; missing: ${missing.join(", ")}.`;
      return;
    }
    offState.answers[panel] = given;
    offMount();
  });
  return form;
}

function offFeedback(score, quiz) {
  const box = offEl("div", "off-feedback");
  box.append(offEl("h3", "", `${score.correct} of ${score.total} correct`));
  for (const m of score.marks) {
    const line = offEl("p", m.correct ? "off-right" : "off-wrong");
    line.append(offEl("strong", "", m.correct ? "✓ Correct" : "✗ Incorrect"));
    let text = ` · ${m.label}: your answer ${m.answer}`;
    if (!m.correct) text += `; the key: ${m.accepted.join(" or ")}`;
    line.append(document.createTextNode(text));
    box.append(line);
    if (m.why) box.append(offEl("p", "off-why", m.why));
  }
  const explanation = offEl("p", "off-explanation");
  explanation.append(offEl("strong", "", "Explanation. "), document.createTextNode(quiz.explanation));
  box.append(explanation);
  return box;
}

function offSummary() {
  const box = offEl("section", "off-summary");
  box.setAttribute("aria-label", "Summary");
  const rows = offPanels.map((p) => [p, offScore(p)]).filter(([, s]) => s);
  const correct = rows.reduce((n, [, s]) => n + s.correct, 0);
  const total = rows.reduce((n, [, s]) => n + s.total, 0);
  box.append(offEl("h2", "", total ? `Score: ${correct} of ${total} (${Math.round((100 * correct) / total)}%)` : "No answers yet"));
  const table = offEl("table", "off-table");
  const head = offEl("tr");
  for (const h of ["Panel", "Score"]) head.append(offEl("th", "", h));
  table.append(head);
  const tally = {};
  for (const [panel, s] of rows) {
    const tr = offEl("tr");
    tr.append(offEl("td", "", panel), offEl("td", "", `${s.correct} / ${s.total}`));
    table.append(tr);
    for (const m of s.marks) {
      const key = m.id === "answer" ? "Multiple choice" : m.label;
      tally[key] = tally[key] || [0, 0];
      tally[key][0] += m.correct ? 1 : 0;
      tally[key][1] += 1;
    }
  }
  box.append(table);
  const per = offEl("table", "off-table");
  const head2 = offEl("tr");
  for (const h of ["Descriptor", "Correct"]) head2.append(offEl("th", "", h));
  per.append(head2);
  for (const [label, [c, t]] of Object.entries(tally)) {
    const tr = offEl("tr");
    tr.append(offEl("td", "", label), offEl("td", "", `${c} / ${t}`));
    per.append(tr);
  }
  box.append(per);
  const retake = offEl("button", "off-nav-button", "Retake the quiz");
  retake.type = "button";
  retake.addEventListener("click", () => { offState.answers = {}; offState.step = offPanels[0]; offMount(); });
  box.append(retake);
  offApp.append(box);
}

offMount();
