/**
 * The report page's inline CSS and script (report.html fetches nothing): ./html.ts writes them into the
 * page, whose class names and element ids (heatmap, details, cellbtn, data-panel) they rely on.
 */

/** The page's styles: the heatmap's colour scale, the cell panels, the case lists and the benchmark plots. */
export const PAGE_CSS = `
:root{--fg:#1b1f24;--muted:#5b636e;--line:#d0d7de;--bg:#fff;--fail:#b3261e;--na:#e4e6e9;--ok:#1a7f37}
*{box-sizing:border-box}
body{margin:0;padding:1.25rem 1.5rem 3rem;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
h3{font-size:1rem;margin:0 0 .5rem;display:flex;gap:.4rem;align-items:baseline}
h3 code{font-size:.95rem}
code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{white-space:pre-wrap;margin:0}
.meta{color:var(--muted);margin:0 0 .75rem}.meta a{color:#0969da}.muted{color:var(--muted)}
.summary{padding:.6rem .9rem;border-radius:6px;border:1px solid;margin:.5rem 0 1rem;font-size:1.02rem}
.summary.ok{background:#dafbe1;border-color:#4ac26b}.summary.bad{background:#ffebe9;border-color:#ff8182}
.verdict{margin-right:.4rem}.summary.ok .verdict{color:var(--ok)}.summary.bad .verdict{color:var(--fail)}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.scroll{overflow:auto;max-width:100%}
table{border-collapse:collapse}
caption{text-align:left;color:var(--muted);padding:.25rem 0;caption-side:top}
.heatmap>thead>tr>th,.heatmap>tbody>tr>th,.heatmap>tbody>tr>td{border:1px solid #fff}
.heatmap>thead>tr>th{position:sticky;top:0;background:#f6f8fa;z-index:2;font-weight:600;padding:.35rem .5rem;vertical-align:bottom;min-width:7.5rem;text-align:center}
.heatmap>tbody>tr>th{position:sticky;left:0;background:#f6f8fa;z-index:1;text-align:left;padding:0 .6rem;font:600 12.5px ui-monospace,Menlo,Consolas,monospace;white-space:nowrap}
.heatmap>thead>tr>th:first-child{left:0;z-index:3;text-align:left}
.bname{display:block;font-family:ui-monospace,Menlo,Consolas,monospace}
.dev{display:block;font-weight:400;font-size:11px;color:var(--muted);max-width:12rem;margin:0 auto;white-space:normal}
.dev.unavail{color:var(--fail);font-weight:600}
td.c{padding:0;height:3.3rem}
.cellbtn{all:unset;box-sizing:border-box;display:flex;flex-direction:column;justify-content:center;align-items:center;width:100%;height:100%;min-height:3.3rem;padding:.2rem .35rem;cursor:pointer;text-align:center;font-size:11.5px;line-height:1.25}
.cellbtn:focus-visible{outline:3px solid #0969da;outline-offset:-3px}
.cellbtn:hover{filter:brightness(.93)}
.cellbtn[aria-expanded=true]{outline:3px solid #0b0f14;outline-offset:-3px}
.big{font-weight:700;font-size:12.5px}.word{font-weight:700;text-transform:uppercase;letter-spacing:.04em;font-size:10.5px}
.err{font-variant-numeric:tabular-nums}.extra{font-size:10.5px;opacity:.9}
.u0{background:#f1f8ff}.u1{background:#dbeeff}.u2{background:#b6dbff}.u3{background:#80c1ff}.u4{background:#4a9ce8;color:#fff}.u5{background:#2468b8;color:#fff}.u6{background:#123f7a;color:#fff}
.none{background:#fff;box-shadow:inset 0 0 0 1px var(--line)}
.fail{background:var(--fail);color:#fff}
.na{background:repeating-linear-gradient(135deg,var(--na) 0 6px,#f3f4f6 6px 12px);color:#57606a}
.legend{margin:.5rem 0 .75rem;max-width:70rem}.legend p{margin:.25rem 0}
.scale{list-style:none;padding:0;margin:.35rem 0;display:flex;flex-wrap:wrap;gap:.35rem 1rem}
.scale li{display:flex;align-items:center;gap:.35rem}
.sw{display:inline-block;width:1.6rem;height:1rem;border:1px solid #8c959f;border-radius:2px}
.pass{white-space:nowrap}.failn{white-space:nowrap}
.legend .pass{color:var(--ok);font-weight:700}.legend .failn{color:var(--fail);font-weight:700}
.panel{border:1px solid var(--line);border-left:5px solid #0969da;border-radius:6px;padding:.75rem 1rem;margin:.75rem 0;background:#fbfcfd}
.panel p{margin:.3rem 0}
.close{margin-left:auto;font:inherit;font-size:12px;padding:.15rem .6rem;border:1px solid var(--line);border-radius:4px;background:#fff;cursor:pointer}
details.case{border:1px solid var(--line);border-radius:6px;margin:.5rem 0;background:#fff}
details.case>summary{cursor:pointer;padding:.4rem .6rem;list-style-position:inside}
details.case.failed{border-left:5px solid var(--fail)}details.case.loosened{border-left:5px solid #bf8700}details.case.excluded{border-left:5px solid #8c959f}
.casebody{padding:.25rem .75rem .75rem}
.tag{display:inline-block;padding:0 .45rem;border-radius:999px;font-size:11px;font-weight:700;text-transform:uppercase;letter-spacing:.03em;border:1px solid}
.tag.failed{background:#ffebe9;color:var(--fail);border-color:#ff8182}
.tag.loosened{background:#fff8c5;color:#7d4e00;border-color:#d4a72c}
.tag.excluded,.tag.na{background:#eaeef2;color:#424a53;border-color:#afb8c1}
.tag.ok{background:#dafbe1;color:var(--ok);border-color:#4ac26b}
.kv th{text-align:left;vertical-align:top;padding:.2rem 1rem .2rem 0;color:var(--muted);font-weight:600;white-space:nowrap}
.kv td{padding:.2rem 0;vertical-align:top}
.errs{margin:.6rem 0 .25rem}
.mism,.list,.inner{font-size:12.5px}
.mism th,.mism td,.list th,.list td,.inner th,.inner td{border:1px solid var(--line);padding:.2rem .5rem;text-align:left;vertical-align:top}
td.num{text-align:right}
.panel code,.panel pre{overflow-wrap:anywhere}
tr.detail-row>td{padding:.25rem .5rem .75rem;background:#fff}
.nojs-only{display:none}
.mism thead th,.list thead th,.inner thead th{background:#f6f8fa}
.num{text-align:right;font-variant-numeric:tabular-nums;font-family:ui-monospace,Menlo,Consolas,monospace}
.list tr.unavail td,.list tr.unavail th{background:#f6f8fa}
.reasoncell{max-width:40rem}
.perf-h{margin-top:1.5rem}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:1rem 1.25rem}
figure.plot{margin:0;padding:.5rem .75rem .75rem;border:1px solid var(--line);border-radius:6px;background:#fff;break-inside:avoid;min-width:0}
figure.plot.wide{max-width:62rem;margin:.5rem 0 1rem}
svg.chart{display:block;width:100%;height:auto;max-width:100%}
svg.chart .pt,svg.chart .bar{cursor:default}
.perf-table{margin-top:.5rem;font-size:12px}
.perf-table caption{font-weight:600;color:var(--fg)}
.perf-table code{font-size:11.5px}
.perf-table.nowrap code{white-space:nowrap}
.perf-table tbody th{white-space:nowrap;font-weight:400}
ul.notes{margin:.25rem 0;padding-left:1.25rem;color:var(--muted);font-size:12.5px}
@media print{.close{display:none}.charts{display:block}figure.plot{margin:0 0 1rem}}
`;

/**
 * The page's one script. A cell's button moves its details panel into a row under the cell's row and back;
 * Escape and the panel's close button return focus to the cell; a case link opens its panel and case.
 * Without it, every panel shows below the heatmap (NOSCRIPT_CSS).
 */
export const PAGE_SCRIPT = `
(function(){
  var home = document.getElementById('details');
  var open = null, row = null;
  function btnFor(id){ return document.querySelector('.cellbtn[data-panel="' + id + '"]'); }
  function hide(){
    if (!open) return;
    open.hidden = true;
    home.appendChild(open);
    if (row && row.parentNode) row.parentNode.removeChild(row);
    var b = btnFor(open.id); if (b) b.setAttribute('aria-expanded', 'false');
    open = null;
  }
  function show(id){
    var p = document.getElementById(id); if (!p) return null;
    if (open === p) return p;
    hide();
    var b = btnFor(id);
    if (b) {
      if (!row) {
        row = document.createElement('tr'); row.className = 'detail-row';
        row.appendChild(document.createElement('td'));
      }
      var tr = b.closest('tr');
      // Each Keras version has a heatmap of its own; the row spans the one the cell is in.
      row.firstChild.colSpan = b.closest('table').querySelectorAll('thead th').length;
      tr.parentNode.insertBefore(row, tr.nextSibling);
      row.firstChild.appendChild(p);
      b.setAttribute('aria-expanded', 'true');
    }
    p.hidden = false; open = p;
    return p;
  }
  document.addEventListener('click', function(ev){
    var t = ev.target; if (!(t instanceof Element)) return;
    var cell = t.closest('.cellbtn');
    if (cell) {
      var id = cell.getAttribute('data-panel');
      if (open && open.id === id) { hide(); return; }
      var p = show(id);
      if (p) p.scrollIntoView({block: 'nearest'});
      return;
    }
    var close = t.closest('[data-close]');
    if (close) { var btn = btnFor(close.getAttribute('data-close')); hide(); if (btn) btn.focus(); return; }
    var link = t.closest('.caselink');
    if (link) {
      ev.preventDefault();
      show(link.getAttribute('data-panel'));
      var d = document.getElementById(link.getAttribute('data-case'));
      if (d) { d.open = true; d.scrollIntoView({block: 'start'}); var s = d.querySelector('summary'); if (s) s.focus(); }
    }
  });
  document.addEventListener('keydown', function(ev){
    if (ev.key !== 'Escape' || !open) return;
    var b = btnFor(open.id); hide(); if (b) b.focus();
  });
})();
`;

/** Without the script: every cell's panel shows in the Cell details section, with no close button. */
export const NOSCRIPT_CSS = '.nojs-only{display:block}.panel[hidden]{display:block}.close{display:none}';
