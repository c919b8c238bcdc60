// The farm dashboard: reads /api/v1 every two seconds and redraws the page it is on. Every value
// from the API goes into the page as text (never as HTML), so a job name cannot inject markup.
// Writes carry the token typed in the header, kept for this tab only (sessionStorage).
"use strict";

const every = 2000;
const state = { timer: null, rate: [], lastFrame: {} };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "style") node.style.cssText = value; // through the CSSOM: the page's CSP refuses style attributes
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function headers(write) {
  const h = { "Accept": "application/json" };
  const token = sessionStorage.getItem("token");
  if (token) h["Authorization"] = "Bearer " + token;
  if (write) h["Content-Type"] = "application/json";
  return h;
}

async function get(path) {
  const response = await fetch("/api/v1/" + path, { headers: headers(false) });
  if (!response.ok) throw await problem(response);
  return response.json();
}

async function post(path, body, method) {
  const response = await fetch("/api/v1/" + path, { method: method || "POST", headers: headers(true), body: JSON.stringify(body || {}) });
  if (!response.ok) throw await problem(response);
  return response.status === 204 ? null : response.json();
}

async function problem(response) {
  try {
    const p = await response.json();
    return new Error(p.detail + (p.fix ? " (" + p.fix + ")" : ""));
  } catch {
    return new Error(response.status + " " + response.statusText);
  }
}

function banner(text) {
  const b = document.getElementById("banner");
  b.hidden = !text;
  b.textContent = text || "";
}

async function act(what, operation) {
  try {
    await operation();
    banner("");
  } catch (e) {
    banner(what + ": " + e.message);
  }
  refresh();
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "-";
  seconds = Math.round(seconds);
  if (seconds < 60) return seconds + " s";
  if (seconds < 3600) return Math.floor(seconds / 60) + " min " + (seconds % 60) + " s";
  return Math.floor(seconds / 3600) + " h " + Math.floor((seconds % 3600) / 60) + " min";
}

// Render times: tenths of a second below a minute (a frame of 0.7 s is not "1 s").
function seconds(value) {
  if (value === null || value === undefined) return "-";
  return value < 60 ? value.toFixed(value < 10 ? 2 : 1) + " s" : duration(value);
}

// Money in the inventory's own unit (hourly_cost names no currency): four decimals below 10, so a
// task's cost of 0.0123 is not shown as 0.01, trailing zeros dropped down to cents (0.85, 0.007).
function money(value) {
  if (value === null || value === undefined) return "-";
  return value.toFixed(Math.abs(value) >= 10 ? 2 : 4).replace(/(\.\d\d\d*?)0+$/, "$1");
}

// A cost the API reports: 0 means no worker had an hourly_cost, so "-" rather than a cost of nothing.
function charged(value) { return value === 0 ? "-" : money(value); }

function status(word) { return el("span", { class: "status " + word }, word); }

// A GPU flag (cpu-fallback, throttled, hot) as a chip; with a count on a job ("hot ×3").
function flag(word, count) { return el("span", { class: "flag " + word, "data-flag": word }, count ? word + " ×" + count : word); }

// A job's flags with their counts, in the API's order of the words (cpu-fallback, throttled, hot), not Redis' hash order.
const flagOrder = ["cpu-fallback", "throttled", "hot"];
function counted(flagged) {
  return Object.entries(flagged || {}).sort(([a], [b]) => flagOrder.indexOf(a) - flagOrder.indexOf(b)).map(([w, n]) => flag(w, n));
}

function flags(words) { return words && words.length ? el("span", { class: "flags" }, words.map(w => flag(w))) : el("span", { class: "muted" }, "-"); }

function bar(job) {
  const fraction = job.frames_total ? job.frames_done / job.frames_total : 0;
  return el("span", { class: "bar " + job.status, title: Math.round(fraction * 100) + "%" },
    el("span", { style: "width:" + (fraction * 100).toFixed(1) + "%" }));
}

function card(label, value, parts) {
  return el("div", { class: "card" }, el("div", { class: "label" }, label), el("div", { class: "value" }, value), el("div", { class: "parts" }, parts || ""));
}

// Frames per minute, measured by this page: the farm's frame counter over the last minute of polls.
function framesPerMinute(summary) {
  const now = Date.parse(summary.at);
  state.rate.push({ at: now, frames: summary.frames_rendered });
  state.rate = state.rate.filter(s => now - s.at <= 60000);
  const first = state.rate[0];
  if (state.rate.length < 2 || now - first.at < 2000) return "…";
  return Math.max(0, ((summary.frames_rendered - first.frames) * 60000) / (now - first.at)).toFixed(1);
}

function jobActions(job) {
  const id = job.spec.id;
  const live = job.status === "queued" || job.status === "running";
  const select = el("select", { "aria-label": "priority of " + id, disabled: !live, onchange: e => act("priority", () => post("jobs/" + encodeURIComponent(id) + "/priority", { priority: e.target.value })) },
    ["high", "normal", "low"].map(p => el("option", { value: p, selected: job.spec.priority === p }, p)));
  return el("div", { class: "actions" },
    live ? el("button", { class: "danger", "data-action": "cancel", onclick: () => act("cancel", () => post("jobs/" + encodeURIComponent(id) + "/cancel")) }, "Cancel") : null,
    job.status === "failed" || job.status === "cancelled" ? el("button", { "data-action": "retry", onclick: () => act("retry", () => post("jobs/" + encodeURIComponent(id) + "/retry")) }, "Retry") : null,
    select);
}

async function overview() {
  const [summary, jobs] = await Promise.all([get("farm"), get("jobs?limit=50")]);
  const w = summary.workers, q = summary.queue;
  const rows = jobs.map(job => el("tr", { "data-job": job.spec.id },
    el("td", {}, el("a", { href: "#/jobs/" + encodeURIComponent(job.spec.id) }, job.spec.id)),
    el("td", {}, status(job.status)),
    el("td", {}, bar(job), " ", el("span", { class: "muted" }, job.frames_done + "/" + job.frames_total)),
    el("td", { class: "num" }, duration(job.eta_seconds)),
    el("td", { class: "num" }, charged(job.cost)),
    el("td", {}, Object.keys(job.flagged || {}).length ? el("span", { class: "flags" }, counted(job.flagged)) : ""),
    el("td", {}, job.spec.priority),
    el("td", { class: "muted" }, new Date(job.submitted).toLocaleString()),
    el("td", {}, jobActions(job))));
  return [
    el("h1", {}, "Overview"),
    el("div", { class: "cards" },
      card("Workers", (w.busy + w.idle + w.draining + w.lost).toString(), `${w.busy} busy · ${w.idle} idle · ${w.draining} draining · ${w.lost} lost`),
      card("Queued tasks", (q.high + q.normal + q.low).toString(), `${q.high} high · ${q.normal} normal · ${q.low} low`),
      card("Frames / minute", framesPerMinute(summary), "measured by this page"),
      card("Frames rendered", summary.frames_rendered.toString(), "by the workers listed"),
      card("Cost / hour", charged(summary.cost_per_hour), summary.cost_per_hour === 0 ? "no live worker has an hourly_cost" : "the live workers at their hourly_cost")),
    el("h2", {}, "Jobs"),
    jobs.length === 0 ? el("p", { class: "muted" }, "No jobs yet: submit one with `provision farm submit` or POST /submit.") :
      el("table", { id: "jobs" }, el("tr", {}, ["job", "status", "progress", "ETA", "cost", "GPU flags", "priority", "submitted", ""].map(h => el("th", {}, h))), rows),
  ];
}

function chart(frames, unit = "frame") {
  if (frames.length === 0) return el("p", { class: "muted" }, unit === "frame" ? "No frame rendered yet." : "No item made yet.");
  const width = 600, height = 200, left = 34, bottom = 18;
  const max = Math.max(...frames.map(f => f.seconds));
  const step = (width - left) / frames.length;
  const plot = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img", "aria-label": "render time per " + unit });
  plot.append(svg("text", { x: 0, y: 10 }, max.toFixed(1) + " s"), svg("text", { x: 0, y: height - bottom }, "0"));
  frames.forEach((f, i) => {
    // At least 2 units tall: a frame that rendered in under 10 ms (persistent data) is still a frame.
    const h = Math.max(2, max > 0 ? (f.seconds / max) * (height - bottom - 14) : 0);
    const r = svg("rect", { x: left + i * step + 1, y: height - bottom - h, width: Math.max(1, step - 2), height: h });
    r.append(svg("title", {}, `${unit} ${f.frame}: ${f.seconds.toFixed(2)} s on ${f.worker}`));
    plot.append(r);
  });
  plot.append(svg("text", { x: left, y: height - 4 }, unit + " " + frames[0].frame), svg("text", { x: width - 60, y: height - 4 }, unit + " " + frames[frames.length - 1].frame));
  return plot;
}

// The file extension of the job's frames, as the API serves them (an OpenEXR frame has no preview).
const extensions = { PNG: "png", JPEG: "jpg" };

async function thumbnail(id, format, frames, generate) {
  // A generation job's files are the script's own, many per item: they stay on the share.
  if (generate) return el("p", { class: "muted", id: "no-preview" }, `Items are written to batch_NNNN/ folders beside their logs on the shared storage (${generate.expect.map(expected).join(", ")} per item).`);
  if (frames.length === 0) return el("p", { class: "muted" }, "The last rendered frame shows here.");
  const extension = extensions[format || "PNG"];
  if (!extension) return el("p", { class: "muted", id: "no-preview" }, `${format} frames cannot be shown in a browser: open them on the shared storage.`);
  const last = frames.reduce((a, b) => (b.frame > a.frame ? b : a));
  const key = id + "/" + last.frame;
  if (state.lastFrame.key !== key) {
    // Fetched with the token header (an <img src> cannot send one), shown from a blob.
    const response = await fetch(`/api/v1/jobs/${encodeURIComponent(id)}/frames/${last.frame}.${extension}`, { headers: headers(false) });
    if (!response.ok) return el("p", { class: "error" }, (await problem(response)).message);
    if (state.lastFrame.url) URL.revokeObjectURL(state.lastFrame.url);
    state.lastFrame = { key, url: URL.createObjectURL(await response.blob()) };
  }
  return [el("img", { id: "thumbnail", src: state.lastFrame.url, alt: "frame " + last.frame }), el("div", { class: "muted" }, `frame ${last.frame}, ${last.seconds.toFixed(2)} s on ${last.worker}`)];
}

// What the job sets on the scene; the rest is the scene's own.
function settings(spec) {
  const parts = [`format ${spec.format || "PNG"}`];
  if (spec.engine && spec.engine !== "CYCLES") parts.unshift(`engine ${spec.engine}`);
  if (spec.samples) parts.push(`${spec.samples} samples`);
  if (spec.noise_threshold) parts.push(`noise threshold ${spec.noise_threshold}`);
  if (spec.denoiser) parts.push(`denoiser ${spec.denoiser}`);
  if (spec.resolution_x) parts.push(`${spec.resolution_x}×${spec.resolution_y}`);
  if (spec.percentage) parts.push(`at ${spec.percentage} %`);
  if (spec.persistent_data !== undefined && spec.persistent_data !== null) parts.push(`persistent data ${spec.persistent_data ? "on" : "off"}`);
  return parts.join(", ") + (parts.length === 1 ? "; the rest as the scene has it" : "");
}

// An expected output as typed on `farm submit --expect`: rgb_*.png, or depth_*.exr:2.
const expected = e => e.per_item === 1 ? e.pattern : `${e.pattern}:${e.per_item}`;

// What a generation job runs, and from which seeds.
function generation(spec) {
  const g = spec.generate;
  return `generation: ${g.count} items from seed ${g.seed} (item i: seed ${g.seed} + i), ${g.per_task} per task, script ${g.script}${g.blenderproc ? " through BlenderProc" : ""}; expects ${g.expect.map(expected).join(", ")} per item`;
}

async function jobPage(id) {
  const [job, tasks, frames] = await Promise.all([get("jobs/" + encodeURIComponent(id)), get("jobs/" + encodeURIComponent(id) + "/tasks"), get("jobs/" + encodeURIComponent(id) + "/frames")]);
  const legend = ["queued", "running", "done", "failed", "dropped"].map(s => [el("span", { class: "grid-key", style: `background:var(--${s})` }), s]);
  // A generation job's "frames" are its items.
  const unit = job.spec.generate ? "item" : "frame";
  return [
    el("h1", {}, el("a", { href: "#/" }, "Jobs"), " / ", job.spec.id, " ", status(job.status)),
    el("div", { class: "cards" },
      card("Progress", Math.round((job.frames_total ? job.frames_done / job.frames_total : 0) * 100) + "%", `${job.frames_done} of ${job.frames_total} ${unit}s, ${job.frames_failed} failed`),
      card("ETA", duration(job.eta_seconds), job.status === "running" ? "at the job's own pace" : job.status),
      card("Mean " + unit, seconds(frames.length ? frames.reduce((sum, f) => sum + f.seconds, 0) / frames.length : null), `${job.tasks_done}/${job.tasks_total} tasks done`),
      card("GPU time", duration(job.gpu_seconds), "held by its attempts, on " + (job.spec.device || "CPU")),
      card("Cost", charged(job.cost), job.cost === 0 ? "no worker has an hourly_cost"
        : job.cost_per_frame === null || job.cost_per_frame === undefined ? "per frame: -" : money(job.cost_per_frame) + " per " + unit),
      card("Priority", job.spec.priority, "pool " + job.spec.pool)),
    el("p", {}, bar(job), " ", jobActions(job)),
    el("div", { class: "split" },
      el("div", {},
        el("h2", {}, "Tasks ", el("span", { class: "legend muted" }, legend)),
        el("div", { class: "grid", id: "tasks" }, tasks.map(t => el("span", { class: t.state + (t.gpu_flags && t.gpu_flags.length ? " flagged" : ""),
          title: `${t.task_id}: ${unit}s ${t.frames}, ${t.state}${t.worker ? " on " + t.worker : ""}, attempt ${t.attempts}, GPU ${duration(t.gpu_seconds)}${t.gpu_flags && t.gpu_flags.length ? ", flagged " + t.gpu_flags.join(", ") : ""}` }))),
        el("h2", {}, unit === "frame" ? "Render time per frame" : "Time per item (its share of its task's run)"),
        el("div", { class: "panel" }, chart(frames, unit))),
      el("div", {},
        el("h2", {}, job.spec.generate ? "Output" : "Last rendered frame"),
        el("div", { class: "panel" }, await thumbnail(job.spec.id, job.spec.format, frames, job.spec.generate)),
        el("h2", {}, "Last error"),
        el("div", { class: "panel" }, job.error || job.last_error ? el("div", { class: "error", id: "last-error" }, job.error || job.last_error) : el("span", { class: "muted" }, "none")),
        el("h2", {}, "GPU warnings"),
        el("div", { class: "panel", id: "gpu-warnings" },
          Object.keys(job.flagged || {}).length
            ? [el("div", { class: "flags" }, counted(job.flagged)), el("div", { class: "warning", id: "last-warning" }, job.last_warning || "")]
            : el("span", { class: "muted" }, "none: no attempt fell back to the CPU, throttled or ran hot")))),
    el("p", { class: "muted" }, `scene ${job.spec.src || "none (Blender's empty scene)"} → ${job.spec.output}`),
    job.spec.generate ? el("p", { class: "muted", id: "generation" }, generation(job.spec)) : null,
    el("p", { class: "muted", id: "settings" }, "render settings: " + settings(job.spec)),
  ];
}

// The card's last reading (nvidia-smi on the worker): a missing figure ([N/A]) shows as "-", never 0.
function gpuCells(t) {
  const value = (v, unit) => (v === null || v === undefined ? "-" : v + unit);
  const stale = t && t.age_seconds !== null && t.age_seconds > 30 ? " (" + duration(t.age_seconds) + " old)" : "";
  const memory = t && t.memory_used_mib !== null && t.memory_total_mib ? (t.memory_used_mib / 1024).toFixed(1) + " / " + (t.memory_total_mib / 1024).toFixed(0) + " GiB" : "-";
  return [
    el("td", { class: "num", "data-gpu": "use" }, t ? value(t.utilization_percent, " %") + stale : "-"),
    el("td", { class: "num", "data-gpu": "memory" }, memory),
    el("td", { class: "num", "data-gpu": "temp" }, t ? value(t.temperature_c, " °C") : "-"),
    el("td", { class: "num", "data-gpu": "power" }, t ? value(t.power_watts === null ? null : Math.round(t.power_watts), " W") : "-"),
  ];
}

async function workersPage() {
  const workers = await get("workers");
  const rows = workers.map(w => el("tr", { "data-worker": w.name },
    el("td", { class: "name" }, w.name),
    el("td", {}, status(w.condition)),
    el("td", {}, w.task || "-"),
    el("td", { class: "num" }, duration(w.task_seconds)),
    el("td", { class: "num" }, w.heartbeat_age_seconds === null ? "never" : duration(w.heartbeat_age_seconds) + " ago"),
    el("td", { class: "name", title: w.gpu || "" }, w.telemetry && w.telemetry.model ? w.telemetry.model : w.gpu || "-"),
    gpuCells(w.telemetry),
    el("td", { title: w.telemetry && w.telemetry.throttle_reasons.length ? "throttle reasons: " + w.telemetry.throttle_reasons.join(", ") : "" }, flags(w.gpu_flags)),
    el("td", { class: "num" }, money(w.hourly_cost)),
    el("td", {}, w.host),
    el("td", { class: "num" }, w.frames),
    el("td", { class: "error" }, w.last_error),
    el("td", {}, el("div", { class: "actions" },
      w.draining ? el("button", { "data-action": "undrain", onclick: () => act("undrain", () => post("workers/" + encodeURIComponent(w.name) + "/undrain")) }, "Undrain")
        : el("button", { "data-action": "drain", onclick: () => act("drain", () => post("workers/" + encodeURIComponent(w.name) + "/drain")) }, "Drain"),
      w.condition === "lost" ? el("button", { class: "danger", "data-action": "forget", onclick: () => act("forget", () => post("workers/" + encodeURIComponent(w.name), null, "DELETE")) }, "Forget") : null))));
  return [
    el("h1", {}, "Workers"),
    workers.length === 0 ? el("p", { class: "muted" }, "No worker has reported yet (they register with their first heartbeat).") :
      el("table", { id: "workers" }, el("tr", {}, ["worker", "condition", "task", "for", "heartbeat", "GPU", "use", "memory", "temp", "power", "GPU flags", "cost / h", "host", "frames", "last error", ""].map(h => el("th", {}, h))), rows),
  ];
}

async function refresh() {
  clearTimeout(state.timer);
  const route = location.hash.replace(/^#/, "") || "/";
  const job = route.match(/^\/jobs\/(.+)$/);
  document.querySelectorAll("nav a").forEach(a => a.classList.toggle("active", a.dataset.view === (route === "/workers" ? "workers" : "overview")));
  try {
    // A priority menu open (focused) would close under a redraw: wait for the next poll.
    if (document.activeElement && document.activeElement.tagName === "SELECT" && document.getElementById("view").contains(document.activeElement)) {
      state.timer = setTimeout(refresh, every);
      return;
    }
    const content = job ? await jobPage(decodeURIComponent(job[1])) : route === "/workers" ? await workersPage() : await overview();
    // A page leaves out what a job does not have as null (a render job's generation line): not "null" on screen.
    document.getElementById("view").replaceChildren(...[content].flat().filter(c => c !== null && c !== undefined));
    document.getElementById("freshness").textContent = "updated " + new Date().toLocaleTimeString();
    if (document.getElementById("banner").dataset.source === "poll") banner("");
  } catch (e) {
    banner("The service does not answer: " + e.message);
    document.getElementById("banner").dataset.source = "poll";
  }
  state.timer = setTimeout(refresh, every);
}

document.addEventListener("DOMContentLoaded", () => {
  const token = document.getElementById("token");
  token.value = sessionStorage.getItem("token") || "";
  token.addEventListener("change", () => { sessionStorage.setItem("token", token.value); refresh(); });
  window.addEventListener("hashchange", refresh);
  refresh();
});
