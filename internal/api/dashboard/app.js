// talentmatch organizer dashboard: campaign stats (polled) and the live match
// feed (server-sent events read through fetch, so that it carries the bearer
// token), bilingual, no dependencies. The token comes in the URL fragment
// (#token=..., never sent to a server, removed from the address bar at
// once) or is pasted into the page; it is kept in sessionStorage only.
(() => {
  "use strict";

  const I18N = window.TM_I18N;
  // Relative to the page (/dashboard/), so that a path prefix added by a proxy still works.
  const API = new URL("../api/v1/", location.href);
  const POLL_MS = 2000, KICK_MS = 500, FEED_MAX = 50, RETRY_MS = 5000;
  const STATUSES = ["open", "scheduled", "ended", "closed"];

  const $ = (sel) => document.querySelector(sel);
  const TOKEN_KEY = "talentmatch.token";
  let TOKEN = takeToken();
  const params = new URLSearchParams(location.search);
  const campaignId = (params.get("campaign") || "").trim();

  const S = {
    lang: pickLang(),
    stats: null,
    campaigns: null,
    events: [], // newest first, at most FEED_MAX
    pending: [], // received, not yet shown (oldest first)
    paused: false,
    missed: 0,
    seen: new Set(),
    everOpen: false,
    conn: "idle",
    feedAbort: null,
    hover: null,
    inflight: false,
    again: false,
    lastFetch: 0,
    kickT: 0,
    flushT: 0,
    pollT: 0,
    stopped: false,
  };

  // ---------- language ----------
  function pickLang() {
    const q = (params.get("lang") || "").toLowerCase();
    if (q.startsWith("zh")) return "zh";
    if (q.startsWith("en")) return "en";
    return (navigator.language || "").toLowerCase().startsWith("zh") ? "zh" : "en";
  }
  function t(key, vars) {
    let s = I18N[S.lang][key];
    if (s == null) s = I18N.en[key] != null ? I18N.en[key] : key;
    return vars ? s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] != null ? vars[k] : "")) : s;
  }
  const locale = () => (S.lang === "zh" ? "zh-CN" : "en");

  function setLang(lang) {
    S.lang = lang;
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll("[data-i18n-title]").forEach((el) => { el.title = t(el.dataset.i18nTitle); });
    document.querySelectorAll("[data-i18n-aria]").forEach((el) => el.setAttribute("aria-label", t(el.dataset.i18nAria)));
    document.querySelectorAll("button[data-lang]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === lang)));
    params.set("lang", lang);
    history.replaceState(null, "", "?" + params.toString() + location.hash);
    $("#back").href = "?lang=" + lang;
    setConn(S.conn);
    updatePauseBtn();
    if (S.notFound) renderNotFound();
    else if (S.stats) renderStats(S.stats);
    else document.title = campaignId ? "talentmatch · " + t("doc_title") : t("picker_title") + " · talentmatch";
    if (S.campaigns) renderPicker();
    rebuildFeed();
  }

  // ---------- formatting ----------
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const int = (n) => (Number.isFinite(+n) ? String(Math.trunc(+n)) : "0");
  const trim1 = (x) => x.toFixed(1).replace(/\.0$/, "");
  const ms = (s) => { const v = Date.parse(s); return Number.isFinite(v) ? v : NaN; };

  function fmtDate(v, withYear) {
    return new Intl.DateTimeFormat(locale(), {
      year: withYear ? "numeric" : undefined, month: S.lang === "zh" ? "long" : "short", day: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).format(v);
  }
  function fmtClock(v, seconds) {
    return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit", second: seconds ? "2-digit" : undefined, hourCycle: "h23" }).format(v);
  }
  function tzName(v) {
    const p = new Intl.DateTimeFormat(locale(), { timeZoneName: "short" }).formatToParts(v).find((x) => x.type === "timeZoneName");
    return p ? p.value : "";
  }
  function fmtRel(v, now) {
    const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
    const d = (v - now) / 60000, a = Math.abs(d);
    if (a < 60) return rtf.format(Math.round(d), "minute");
    if (a < 48 * 60) return rtf.format(Math.round(d / 60), "hour");
    return rtf.format(Math.round(d / 1440), "day");
  }
  // Seconds → [number text, unit key], e.g. 0.84 → ["0.8","u_s"], 180 → ["3","u_min"].
  function fmtDuration(sec) {
    if (sec == null || !Number.isFinite(+sec)) return null;
    sec = Math.max(0, +sec);
    const pick = (v, u) => [v < 10 ? trim1(v) : String(Math.round(v)), u];
    if (sec < 59.5) return pick(sec, "u_s");
    if (sec < 3570) return pick(sec / 60, "u_min");
    if (sec < 48 * 3600) return pick(sec / 3600, "u_h");
    return pick(sec / 86400, "u_d");
  }
  const industryName = (i) => (S.lang === "zh" ? i.name_zh || i.name : i.name || i.name_zh) || i.industry || "";

  // ---------- stats ----------
  function setStat(name, text, value) {
    document.querySelectorAll(`[data-stat="${name}"]`).forEach((el) => {
      if (el.textContent !== text) el.textContent = text;
      if (value !== undefined) el.dataset.value = value;
    });
  }

  function renderStats(st) {
    S.stats = st;
    const now = Date.now();
    // Heading
    document.title = `${st.name || st.campaign_id} · ${t("doc_title")} · talentmatch`;
    $("#camp-name").textContent = st.name || st.campaign_id || campaignId;
    const status = STATUSES.includes(st.status) ? st.status : "unknown";
    const badge = $("#camp-status");
    badge.dataset.status = status;
    badge.textContent = t("status_" + status);
    const a = ms(st.starts_at), b = ms(st.ends_at);
    let win = "";
    if (Number.isFinite(a) && Number.isFinite(b)) {
      win = `${fmtDate(a, true)} – ${fmtDate(b, new Date(a).getFullYear() !== new Date(b).getFullYear())} (${tzName(a)})`;
    }
    $("#camp-window").textContent = win || "–";
    let rel = "";
    if (status === "scheduled" && Number.isFinite(a)) rel = t("starts_rel", { rel: fmtRel(a, now) });
    else if (status === "open" && Number.isFinite(b) && b > now) rel = t("ends_rel", { rel: fmtRel(b, now) });
    else if ((status === "ended" || status === "closed") && Number.isFinite(b) && b < now) rel = t("ended_rel", { rel: fmtRel(b, now) });
    $("#camp-rel").textContent = rel;
    const c = ms(st.computed_at);
    $("#camp-updated").textContent = Number.isFinite(c) ? t("updated", { t: fmtClock(c, true) }) : "";

    // KPI tiles: the data-stat element holds the bare integer; units are siblings.
    for (const k of ["registrations", "jobs", "matches", "matched_candidates", "held", "interested", "declined", "hires"]) setStat(k, int(st[k]));
    let share = Number(st.matched_share);
    if (!Number.isFinite(share)) share = st.registrations > 0 ? st.matched_candidates / st.registrations : 0;
    setStat("matched_share", trim1(share * 100), String(st.matched_share != null ? st.matched_share : share));
    $("#share-sub").textContent = `${int(st.matched_candidates)} / ${int(st.registrations)}`;
    $("#share-fill").style.width = Math.min(100, Math.max(0, share * 100)) + "%";
    const med = st.median_seconds_to_first_match;
    const d = fmtDuration(med);
    setStat("median_seconds_to_first_match", d ? d[0] : "–", med == null ? "" : String(med));
    $("#median-unit").textContent = d ? t(d[1]) : "";
    $("#median-sub").textContent = d ? "" : t("kpi_median_none");

    renderTime();
    renderIndustries();
    renderRoles();

    for (const el of [document.documentElement, $("#app")]) {
      el.dataset.computedAt = st.computed_at || "";
      el.dataset.ready = "1";
    }
  }

  // ---------- token ----------
  function takeToken() {
    const h = new URLSearchParams(location.hash.slice(1));
    const tk = (h.get("token") || "").trim();
    if (tk) {
      try { sessionStorage.setItem(TOKEN_KEY, tk); } catch { /* private mode: keep it in memory */ }
      history.replaceState(null, "", location.pathname + location.search);
      return tk;
    }
    try { return sessionStorage.getItem(TOKEN_KEY) || ""; } catch { return ""; }
  }
  function headers(accept) {
    const h = { Accept: accept || "application/json" };
    if (TOKEN) h.Authorization = "Bearer " + TOKEN;
    return h;
  }
  // needToken stops the page and asks for a token: 401 (none, expired or
  // invalid) or 403 (valid, but not for this campaign).
  function needToken(status) {
    S.stopped = true;
    clearInterval(S.pollT);
    if (S.feedAbort) S.feedAbort.abort();
    setConn("idle");
    for (const id of ["#loading", "#dash", "#picker"]) $(id).hidden = true;
    const msg = $("#auth-msg");
    msg.dataset.i18n = status === 403 ? "auth_denied" : (TOKEN ? "auth_invalid" : "auth_sub");
    msg.textContent = t(msg.dataset.i18n);
    $("#auth").hidden = false;
    for (const el of [document.documentElement, $("#app")]) { el.dataset.view = "auth"; el.dataset.ready = "1"; }
  }
  function initAuthForm() {
    $("#auth-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const tk = $("#auth-token").value.trim();
      if (!tk) return;
      try { sessionStorage.setItem(TOKEN_KEY, tk); } catch { /* ignore */ }
      location.reload();
    });
  }

  async function loadStats() {
    if (S.stopped) return;
    if (S.inflight) { S.again = true; return; }
    S.inflight = true;
    S.lastFetch = Date.now();
    try {
      const r = await fetch(new URL(`campaigns/${encodeURIComponent(campaignId)}/stats`, API),
        { cache: "no-store", headers: headers(), signal: AbortSignal.timeout(10000) });
      if (r.status === 401 || r.status === 403) return needToken(r.status);
      if (r.status === 404) return notFound();
      if (!r.ok) throw new Error("HTTP " + r.status);
      const st = await r.json();
      $("#loading").hidden = true;
      $("#dash").hidden = false;
      $("#stale").hidden = true;
      renderStats(st);
    } catch (err) {
      const stale = $("#stale");
      stale.textContent = t("stale");
      stale.dataset.i18n = "stale";
      if (S.stats) stale.hidden = false;
      else { $("#loading").dataset.i18n = "stale"; $("#loading").textContent = t("stale"); }
    } finally {
      S.inflight = false;
      if (S.again) { S.again = false; kickStats(); }
    }
  }

  // After a feed event: refresh the stats, at most once per KICK_MS.
  function kickStats() {
    if (S.kickT || S.stopped) return;
    const wait = Math.max(0, S.lastFetch + KICK_MS - Date.now());
    S.kickT = setTimeout(() => { S.kickT = 0; loadStats(); }, wait);
  }

  function notFound() {
    S.stopped = true;
    S.notFound = true;
    clearInterval(S.pollT);
    if (S.feedAbort) S.feedAbort.abort();
    setConn("idle");
    renderNotFound();
  }
  function renderNotFound() {
    const p = $("#loading");
    p.hidden = false;
    p.removeAttribute("data-i18n");
    p.innerHTML = `${esc(t("not_found", { id: campaignId }))} <a href="?lang=${S.lang}">${esc(t("all_campaigns"))}</a>`;
    $("#dash").hidden = true;
  }

  // ---------- chart: matches over time ----------
  function series(st, maxPts) {
    const MIN = 60000;
    const pts = (st.matches_over_time || [])
      .map((x) => ({ t: ms(x.t), n: Number(x.created) || 0 }))
      .filter((x) => Number.isFinite(x.t))
      .sort((x, y) => x.t - y.t);
    if (!pts.length) return null;
    let start = Math.floor(pts[0].t / MIN) * MIN;
    let end = Math.floor(pts[pts.length - 1].t / MIN) * MIN;
    // Run the axis on to "now" (computed_at), but not past the campaign's end.
    let cap = ms(st.computed_at);
    const ends = ms(st.ends_at);
    if (Number.isFinite(ends) && Number.isFinite(cap)) cap = Math.min(cap, ends);
    if (Number.isFinite(cap)) end = Math.max(end, Math.floor(cap / MIN) * MIN);
    if (end - start < 15 * MIN) start = end - 15 * MIN;
    const span = (end - start) / MIN + 1;
    const step = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].find((s) => span / s <= maxPts) || 1440 * Math.ceil(span / maxPts / 1440);
    const stepMs = step * MIN;
    start = Math.floor(start / stepMs) * stepMs;
    const n = Math.floor((end - start) / stepMs) + 1;
    const ys = new Array(n).fill(0);
    for (const p of pts) {
      const i = Math.floor((p.t - start) / stepMs);
      if (i >= 0 && i < n) ys[i] += p.n;
    }
    // The newest bucket is still filling up while computed_at lies inside it.
    const comp = ms(st.computed_at);
    const partial = n > 1 && Number.isFinite(comp) && comp < start + n * stepMs && !(Number.isFinite(ends) && comp >= ends);
    return { start, stepMs, step, ys, partial };
  }

  function niceStep(max, count) {
    const raw = Math.max(max, 1) / count;
    const p = 10 ** Math.floor(Math.log10(raw));
    const f = raw / p;
    return Math.max(1, (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p);
  }

  function renderTime() {
    const el = $("#time-chart");
    const W = Math.max(200, el.clientWidth || 600), H = el.clientHeight || 230;
    const ser = S.stats && series(S.stats, Math.max(30, Math.min(240, Math.floor((W - 54) / 4))));
    const sub = $("#time-sub");
    if (!ser) {
      sub.textContent = "";
      el.innerHTML = `<p class="empty">${esc(t("time_empty"))}</p>`;
      el._ser = null;
      return;
    }
    sub.textContent = ser.step === 1 ? t("time_sub_1") : ser.step < 60 ? t("time_sub_n", { n: ser.step }) : t("time_sub_h", { n: ser.step / 60 });
    const M = { l: 40, r: 14, t: 12, b: 26 };
    const pw = W - M.l - M.r, ph = H - M.t - M.b;
    const { ys, start, stepMs } = ser;
    const n = ys.length;
    const peak = Math.max(...ys);
    const yStep = niceStep(peak, 4);
    const yMax = Math.max(yStep, Math.ceil(peak / yStep) * yStep);
    const x = (i) => M.l + (n === 1 ? pw : (i * pw) / (n - 1));
    const y = (v) => M.t + ph * (1 - v / yMax);
    const multiDay = n * stepMs > 20 * 3600e3;
    const label = (v) => (multiDay ? fmtDate(v, false) : fmtClock(v, false));

    let g = "";
    for (let v = 0; v <= yMax; v += yStep) {
      g += `<line class="grid-line" x1="${M.l}" x2="${W - M.r}" y1="${y(v)}" y2="${y(v)}"/>`;
      g += `<text class="axis-text" x="${M.l - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`;
    }
    const nLabels = Math.max(2, Math.min(n, Math.floor(pw / (multiDay ? 130 : 70))));
    for (let k = 0; k < nLabels; k++) {
      const i = Math.round((k * (n - 1)) / (nLabels - 1 || 1));
      const anchor = k === 0 ? "start" : k === nLabels - 1 ? "end" : "middle";
      g += `<text class="axis-text" x="${x(i)}" y="${H - 8}" text-anchor="${anchor}">${esc(label(start + i * stepMs))}</text>`;
    }
    const pt = (i) => x(i).toFixed(1) + "," + y(ys[i]).toFixed(1);
    let line = "";
    ys.forEach((v, i) => { line += (i ? "L" : "M") + pt(i); });
    const area = `${line}L${x(n - 1).toFixed(1)},${y(0)}L${x(0).toFixed(1)},${y(0)}Z`;
    let solid = line, tail = "";
    if (ser.partial) {
      solid = "M" + ys.slice(0, n - 1).map((v, i) => pt(i)).join("L");
      tail = `<path class="line partial" d="M${pt(n - 2)}L${pt(n - 1)}"/>`;
    }
    const pi = ys.indexOf(peak);
    const total = ys.reduce((s, v) => s + v, 0);
    const aria = t("time_aria", { from: label(start), to: label(start + (n - 1) * stepMs), total, peak, at: label(start + pi * stepMs) });
    el.innerHTML =
      `<svg width="${W}" height="${H}" role="img" aria-label="${esc(aria)}">${g}` +
      `<path class="area" d="${area}"/><path class="line" d="${solid}"/>${tail}` +
      `<line class="cursor" y1="${M.t}" y2="${M.t + ph}" visibility="hidden"/><circle class="dot" r="4" visibility="hidden"/>` +
      `<rect x="${M.l}" y="${M.t}" width="${pw}" height="${ph}" fill="transparent"/></svg><div class="tip" hidden></div>`;
    el._ser = { x, y, n, pw, M, ys, start, stepMs, label };
    if (S.hover != null) showTip(S.hover);
  }

  function showTip(px) {
    const el = $("#time-chart"), c = el._ser;
    if (!c) return;
    const i = Math.max(0, Math.min(c.n - 1, Math.round(((px - c.M.l) / c.pw) * (c.n - 1))));
    const cx = c.x(i), cy = c.y(c.ys[i]);
    const cur = el.querySelector(".cursor"), dot = el.querySelector(".dot"), tip = el.querySelector(".tip");
    cur.setAttribute("x1", cx); cur.setAttribute("x2", cx); cur.setAttribute("visibility", "visible");
    dot.setAttribute("cx", cx); dot.setAttribute("cy", cy); dot.setAttribute("visibility", "visible");
    tip.hidden = false;
    tip.textContent = t("time_tip", { t: c.label(c.start + i * c.stepMs), n: c.ys[i] });
    const half = tip.offsetWidth / 2;
    tip.style.left = Math.max(half, Math.min(el.clientWidth - half, cx)) + "px";
  }

  // ---------- chart: by industry ----------
  function renderIndustries() {
    const ul = $("#ind-chart");
    const items = (S.stats.by_industry || []).slice().sort((p, q) => (q.matches || 0) - (p.matches || 0) || (q.candidates || 0) - (p.candidates || 0));
    $("#ind-empty").hidden = items.length > 0;
    ul.hidden = !items.length;
    const max = Math.max(1, ...items.map((i) => Math.max(i.matches || 0, i.candidates || 0)));
    const pct = (v) => (v > 0 ? Math.max(0.8, (100 * v) / max) : 0).toFixed(2) + "%";
    ul.innerHTML = items.map((i) => {
      const name = industryName(i), m = int(i.matches), c = int(i.candidates), j = int(i.jobs);
      return `<li data-industry="${esc(i.industry)}" data-matches="${m}" data-candidates="${c}" data-jobs="${j}">` +
        `<span class="visually-hidden">${esc(t("ind_aria", { name, m, c, j }))}</span>` +
        `<div class="lbl" aria-hidden="true"><b title="${esc(name)}">${esc(name)}</b><small>${esc(t("ind_jobs", { n: j }))}</small></div>` +
        `<svg aria-hidden="true"><rect class="bm" y="1" width="${pct(+m)}" height="9" rx="2"/><rect class="bc" y="12" width="${pct(+c)}" height="9" rx="2"/></svg>` +
        `<div class="vals" aria-hidden="true"><span class="m">${m}</span><span class="c">${c}</span></div></li>`;
    }).join("");
  }

  // ---------- roles with no match ----------
  function renderRoles() {
    const st = S.stats;
    const rows = st.roles_without_match || [];
    const total = st.roles_without_match_total != null ? st.roles_without_match_total : rows.length;
    setStat("roles_without_match_total", int(total));
    $("#roles-note").textContent = total > rows.length ? t("roles_shown", { shown: rows.length, total: int(total) }) : "";
    $("#roles-pill").toggleAttribute("data-zero", !(total > 0));
    const empty = $("#roles-empty");
    empty.hidden = total > 0 || rows.length > 0;
    empty.textContent = t(st.jobs > 0 ? "roles_empty" : "roles_none");
    $(".table-wrap").hidden = !rows.length;
    const html = rows.map((r) =>
      `<tr data-job-id="${esc(r.job_id)}" data-company-id="${esc(r.company_id)}"><td>${esc(r.company_name || r.company_id)}</td><td>${esc(r.job_id)}</td><td>${esc(r.title)}</td></tr>`).join("");
    const tb = $("#roles tbody");
    if (tb._html !== html) { tb.innerHTML = html; tb._html = html; }
  }

  // ---------- live feed ----------
  function onEvent(e) {
    let d;
    try { d = JSON.parse(e.data); } catch { return; }
    const m = d && d.match;
    if (!m || !m.match_id) return;
    const kind = d.kind === "retracted" ? "retracted" : "created";
    const key = e.lastEventId || `${m.match_id}|${kind}|${d.time || ""}`;
    if (S.seen.has(key)) return;
    S.seen.add(key);
    if (S.seen.size > 4000) S.seen = new Set([...S.seen].slice(-2000));
    S.pending.push({ kind, time: d.time, m, later: false });
    if (S.pending.length > FEED_MAX) S.pending.splice(0, S.pending.length - FEED_MAX);
    if (S.paused) { S.missed++; updatePauseBtn(); }
    else if (!S.flushT) S.flushT = setTimeout(flush, 150);
    kickStats();
  }

  function flush() {
    S.flushT = 0;
    if (S.paused || !S.pending.length) return;
    const batch = S.pending;
    S.pending = [];
    const feed = $("#feed");
    const retractedIds = new Set();
    for (const ev of batch) {
      if (ev.kind === "retracted") {
        for (const old of S.events) if (old.m.match_id === ev.m.match_id && old.kind === "created") old.later = true;
        retractedIds.add(ev.m.match_id);
      }
      S.events.unshift(ev);
      const li = row(ev);
      li.classList.add("new");
      feed.prepend(li);
    }
    S.events.length = Math.min(S.events.length, FEED_MAX);
    while (feed.children.length > FEED_MAX) feed.lastElementChild.remove();
    for (const li of feed.querySelectorAll('li[data-kind="created"]:not([data-retracted])')) {
      if (!retractedIds.has(li.dataset.matchId)) continue;
      const ev = li._ev;
      if (ev && ev.later) li.replaceWith(row(ev));
    }
    $("#feed-empty").hidden = S.events.length > 0;
  }

  function row(ev) {
    const m = ev.m;
    const li = document.createElement("li");
    li._ev = ev;
    li.dataset.matchId = m.match_id;
    li.dataset.kind = ev.kind;
    if (ev.later) li.dataset.retracted = "1";
    const tm = ms(ev.time);
    const score = Math.max(0, Math.min(1, Number(m.score) || 0));
    const pct = Math.round(score * 100);
    const skills = Array.isArray(m.matched_skills) ? m.matched_skills : [];
    const missing = Array.isArray(m.missing_required_skills) ? m.missing_required_skills : [];
    const shown = skills.slice(0, 6);
    let chips = shown.map((s) => `<span class="chip">${esc(s)}</span>`).join("");
    if (skills.length > shown.length) chips += `<span class="chip">+${skills.length - shown.length}</span>`;
    if (missing.length) chips += `<span class="chip miss">${esc(t("missing"))}: ${esc(missing.join(", "))}</span>`;
    const trig = m.trigger ? t("trig_" + m.trigger) : "";
    const detail = `skill ${trim1((Number(m.skill_score) || 0) * 100)}% · industry ${trim1((Number(m.industry_score) || 0) * 100)}%`;
    li.innerHTML =
      `<time datetime="${esc(ev.time)}">${Number.isFinite(tm) ? fmtClock(tm, true) : ""}</time>` +
      `<div class="who"><div class="job"><span class="co">${esc(m.company_name || m.company_id)}</span> · ${esc(m.title || m.job_id)}</div>` +
      `<div class="line2"><span class="tag">${esc(t("kind_" + ev.kind))}</span>` +
      (ev.later ? `<span class="tag later">${esc(t("later_retracted"))}</span>` : "") +
      `<span>${esc(t("candidate"))} <span class="cand">${esc(m.candidate_id)}</span></span>` +
      (trig && !trig.startsWith("trig_") ? `<span>${esc(trig)}</span>` : "") + `</div>` +
      (chips ? `<div class="chips" aria-label="${esc(t("skills"))}">${chips}</div>` : "") + `</div>` +
      `<div class="score" title="${esc(detail)}"><span class="visually-hidden">${esc(t("score"))}</span>` +
      `<svg aria-hidden="true"><rect class="bg" width="100%" height="6" rx="3"/><rect class="fg" width="${pct}%" height="6" rx="3"/></svg><span>${pct}%</span></div>`;
    return li;
  }

  function rebuildFeed() {
    const feed = $("#feed");
    feed.replaceChildren(...S.events.map(row));
    $("#feed-empty").hidden = S.events.length > 0;
  }

  function updatePauseBtn() {
    const b = $("#feed-pause");
    b.setAttribute("aria-pressed", String(S.paused));
    b.textContent = S.paused ? (S.missed ? t("feed_resume", { n: S.missed }) : t("feed_resume0")) : t("feed_pause");
    $("#feed").setAttribute("aria-live", S.paused ? "off" : "polite");
  }

  function setConn(state) {
    S.conn = state;
    const el = $("#conn");
    if (state === "idle") { el.hidden = true; return; }
    el.hidden = false;
    el.dataset.state = state;
    el.querySelector(".conn-text").textContent = t("conn_" + state);
  }

  // connect reads the live feed, reconnecting after a drop (EventSource
  // cannot send an Authorization header, so the stream is parsed here).
  async function connect() {
    if (S.stopped) return;
    if (S.feedAbort) S.feedAbort.abort();
    const ctl = new AbortController();
    S.feedAbort = ctl;
    setConn(S.everOpen ? "reconnecting" : "connecting");
    let wait = RETRY_MS;
    try {
      const r = await fetch(new URL(`campaigns/${encodeURIComponent(campaignId)}/feed`, API),
        { cache: "no-store", headers: headers("text/event-stream"), signal: ctl.signal });
      if (r.status === 401 || r.status === 403) return needToken(r.status);
      if (!r.ok || !r.body) throw new Error("HTTP " + r.status);
      S.everOpen = true;
      setConn("live");
      kickStats();
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf = (buf + value).replace(/\r\n?/g, "\n");
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          dispatch(buf.slice(0, i));
          buf = buf.slice(i + 2);
        }
      }
      wait = 2000; // the server's retry: the stream ended, reconnect soon
    } catch (err) { /* offline or aborted */ }
    if (ctl !== S.feedAbort || S.stopped) return;
    setConn(wait === RETRY_MS ? "offline" : "reconnecting");
    setTimeout(connect, wait);
  }

  // dispatch handles one server-sent event block.
  function dispatch(block) {
    const data = [];
    let id = "";
    for (const line of block.split("\n")) {
      if (!line || line[0] === ":") continue;
      const c = line.indexOf(":");
      const field = c < 0 ? line : line.slice(0, c);
      let v = c < 0 ? "" : line.slice(c + 1);
      if (v[0] === " ") v = v.slice(1);
      if (field === "data") data.push(v);
      else if (field === "id") id = v;
    }
    if (data.length) onEvent({ data: data.join("\n"), lastEventId: id });
  }

  // ---------- campaign picker ----------
  async function loadPicker() {
    try {
      const items = [];
      let cursor = "";
      for (let page = 0; page < 50; page++) {
        const u = new URL("campaigns", API);
        if (cursor) u.searchParams.set("cursor", cursor);
        const r = await fetch(u, { cache: "no-store", headers: headers() });
        if (r.status === 401 || r.status === 403) return needToken(r.status);
        if (!r.ok) throw new Error("HTTP " + r.status);
        const j = await r.json();
        items.push(...(j.items || []));
        cursor = j.next_cursor || "";
        if (!cursor) break;
      }
      S.campaigns = items;
      $("#picker-msg").hidden = true;
      renderPicker();
    } catch (err) {
      const msg = $("#picker-msg");
      msg.dataset.i18n = "picker_error";
      msg.textContent = t("picker_error");
      msg.hidden = false;
      setTimeout(loadPicker, RETRY_MS);
    }
  }

  function renderPicker() {
    const order = (s) => { const i = STATUSES.indexOf(s); return i < 0 ? 9 : i; };
    const items = S.campaigns.slice().sort((p, q) => order(p.status) - order(q.status));
    const ul = $("#picker-list");
    ul.innerHTML = items.map((c) => {
      const st = STATUSES.includes(c.status) ? c.status : "unknown";
      const href = `?campaign=${encodeURIComponent(c.campaign_id)}&lang=${S.lang}`;
      return `<li data-campaign-id="${esc(c.campaign_id)}"><a href="${esc(href)}"><span class="pname">${esc(c.name || c.campaign_id)}</span>` +
        `<span class="pid">${esc(c.campaign_id)}</span><span class="badge" data-status="${st}">${esc(t("status_" + st))}</span></a></li>`;
    }).join("");
    if (!items.length) {
      const msg = $("#picker-msg");
      msg.dataset.i18n = "picker_empty";
      msg.textContent = t("picker_empty");
      msg.hidden = false;
    }
    for (const el of [document.documentElement, $("#app")]) { el.dataset.view = "picker"; el.dataset.ready = "1"; }
  }

  // ---------- start ----------
  function start() {
    document.querySelectorAll("button[data-lang]").forEach((b) => b.addEventListener("click", () => setLang(b.dataset.lang)));
    setLang(S.lang);
    initAuthForm();
    if (!TOKEN) return needToken(401);
    if (!campaignId) {
      $("#loading").hidden = true;
      $("#picker").hidden = false;
      loadPicker();
      return;
    }
    document.documentElement.dataset.view = "campaign";
    $("#feed-pause").addEventListener("click", () => {
      S.paused = !S.paused;
      if (!S.paused) { S.missed = 0; flush(); }
      updatePauseBtn();
    });
    const chart = $("#time-chart");
    chart.addEventListener("pointermove", (e) => {
      S.hover = e.clientX - chart.getBoundingClientRect().left;
      showTip(S.hover);
    });
    chart.addEventListener("pointerleave", () => {
      S.hover = null;
      const c = chart.querySelector(".cursor");
      if (!c) return;
      c.setAttribute("visibility", "hidden");
      chart.querySelector(".dot").setAttribute("visibility", "hidden");
      chart.querySelector(".tip").hidden = true;
    });
    let raf = 0, lastW = 0;
    new ResizeObserver(() => {
      if (chart.clientWidth === lastW) return;
      lastW = chart.clientWidth;
      cancelAnimationFrame(raf);
      raf = requestAnimationFrame(() => S.stats && renderTime());
    }).observe(chart);
    document.addEventListener("visibilitychange", () => { if (!document.hidden) loadStats(); });
    S.pollT = setInterval(() => { if (!document.hidden) loadStats(); }, POLL_MS);
    loadStats();
    connect();
  }

  start();
})();
