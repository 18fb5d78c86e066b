"""The report page's style sheet and script, inline in every report (no file is fetched).

The script: sorts the layer table (a figure column sorts largest first on its first click,
the shape column by element count; a sorted table is shown flat, without the nesting
indent; `#sort=macs` or `#sort=macs:asc` in the address sorts on opening), filters it,
links a table row to its boxes (click or Enter: the boxes are outlined and scrolled to),
shows a box's exact figures on hover or keyboard focus, and unfolds folded stacks (click or
Enter on a folded stack or a collapsed block shows the drawing of every layer with that
box's layers outlined)."""

STYLE = """
:root { color-scheme: light dark; --fg: #212529; --bg: #ffffff; --muted: #6c757d; --line: #dee2e6;
        --bar: #fd7e14; --bar2: #4263eb; --hl: #1c7ed6; }
@media (prefers-color-scheme: dark) { :root { --fg: #e9ecef; --bg: #1a1b1e; --muted: #adb5bd;
        --line: #373a40; } .archcalc-drawing { filter: invert(0.88) hue-rotate(180deg); } }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       background: var(--bg); margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 0.2rem 0.5rem; border-bottom: 1px solid var(--line); text-align: left; }
td.n, th.n { text-align: right; } table.layers th { cursor: pointer; user-select: none; }
th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
tr.inner td:first-child { padding-left: 1.5rem; } table.sorted tr.inner td:first-child { padding-left: 0.5rem; }
tr[data-boxes] { cursor: pointer; } tr.hl td { background: rgba(28, 126, 214, 0.15); }
tr.grew td:nth-child(7) { color: #c92a2a; } tr.new td:nth-child(7) { color: #2b8a3e; font-weight: 600; }
.summary td:first-child { color: var(--muted); width: 14rem; }
.side { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); gap: 1rem; }
.bar { display: inline-block; height: 0.8rem; background: var(--bar); vertical-align: middle; }
.bar.p { background: var(--bar2); }
.drawing { overflow: auto; max-height: 80vh; border: 1px solid var(--line); }
.drawing svg { max-width: none; display: block; }
.box { cursor: default; } .box[role=button] { cursor: pointer; } .box:focus { outline: none; }
.box:focus > rect.face, .box.hl > rect.face { stroke: var(--hl); stroke-width: 3; }
#tip { position: absolute; max-width: 28rem; padding: 0.3rem 0.5rem; background: var(--bg); color: var(--fg);
       border: 1px solid var(--line); border-radius: 4px; font-size: 12px; pointer-events: none; }
input[type=search] { padding: 0.3rem; width: 18rem; margin: 0.5rem 0; }
@media print { .drawing { max-height: none; overflow: visible; } input, button, #tip { display: none; }
               body { margin: 0; } }
"""

SCRIPT = """
function boxesOf(row, attribute) { try { return JSON.parse(row.getAttribute(attribute) || '[]'); }
                                   catch (e) { return []; } }
function visibleView(wrap) { return wrap.querySelector('.drawing:not([hidden])'); }
function outline(wrap, keys) {
  document.querySelectorAll('.box.hl').forEach(function (b) { b.classList.remove('hl'); });
  var view = visibleView(wrap), first = null;
  if (!view) { return; }
  view.querySelectorAll('.box').forEach(function (b) {
    if (keys.indexOf(b.dataset.key) >= 0) { b.classList.add('hl'); first = first || b; }
  });
  if (first) { first.scrollIntoView({block: 'center', inline: 'center'}); }
}
function sortTable(table, th, ascending) {
  var column = Array.prototype.indexOf.call(th.parentNode.children, th), body = table.tBodies[0];
  table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
  th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
  table.classList.add('sorted');
  var rows = Array.prototype.slice.call(body.rows);
  rows.sort(function (a, b) {
    var x = a.cells[column].dataset.v, y = b.cells[column].dataset.v, nx = Number(x), ny = Number(y);
    var order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y));
    return (ascending ? order : -order) || (Number(a.dataset.i) - Number(b.dataset.i));
  });
  rows.forEach(function (row) { body.appendChild(row); });
}
function activate(element, handler) {
  element.addEventListener('click', handler);
  element.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); handler(e); }
  });
}
document.querySelectorAll('table.layers').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th) {
    activate(th, function () {
      var now = th.getAttribute('aria-sort');
      var ascending = now ? now === 'descending' : !th.classList.contains('n') || th.dataset.key === 'shape';
      sortTable(table, th, ascending);
    });
  });
});
document.querySelectorAll('input.filter').forEach(function (input) {
  input.addEventListener('input', function () {
    var needle = input.value.toLowerCase();
    document.querySelectorAll(input.dataset.table + ' tbody tr').forEach(function (row) {
      row.style.display = row.textContent.toLowerCase().indexOf(needle) >= 0 ? '' : 'none';
    });
  });
});
document.querySelectorAll('tr[data-boxes]').forEach(function (row) {
  activate(row, function () {
    var section = row.closest('table').previousElementSibling, wrap = null;
    for (var node = row.closest('table'); node && !wrap; node = node.nextElementSibling || null) {
      if (node.classList && node.classList.contains('drawings')) { wrap = node; }
    }
    for (node = row.closest('table'); node && !wrap; node = node.previousElementSibling || null) {
      if (node.classList && node.classList.contains('drawings')) { wrap = node; }
    }
    if (!wrap) { return; }
    document.querySelectorAll('tr.hl').forEach(function (r) { r.classList.remove('hl'); });
    row.classList.add('hl');
    var open = wrap.querySelector('.view-open');
    outline(wrap, boxesOf(row, open && !open.hidden ? 'data-open' : 'data-boxes'));
  });
});
var tip = document.getElementById('tip');
function showTip(box) {
  var title = box.querySelector('title'), r = box.getBoundingClientRect();
  if (!title) { return; }
  tip.textContent = title.textContent; tip.hidden = false;
  tip.style.left = (window.scrollX + r.left) + 'px'; tip.style.top = (window.scrollY + r.bottom + 4) + 'px';
}
document.querySelectorAll('.box').forEach(function (box) {
  box.addEventListener('mouseenter', function () { showTip(box); });
  box.addEventListener('focus', function () { showTip(box); });
  box.addEventListener('mouseleave', function () { tip.hidden = true; });
  box.addEventListener('blur', function () { tip.hidden = true; });
});
function setOpen(wrap, open) {
  var folded = wrap.querySelector('.view-folded'), unfolded = wrap.querySelector('.view-open');
  var button = wrap.querySelector('button.unfold');
  if (!unfolded) { return; }
  folded.hidden = open; unfolded.hidden = !open;
  if (!open) { wrap.querySelectorAll('[aria-expanded="true"]').forEach(function (b) {
    b.setAttribute('aria-expanded', 'false'); }); }
  button.setAttribute('aria-pressed', open ? 'true' : 'false');
  button.textContent = open ? 'Back to the folded drawing' : button.dataset.label;
}
document.querySelectorAll('.drawings').forEach(function (wrap) {
  var button = wrap.querySelector('button.unfold');
  if (!button) { return; }
  button.dataset.label = button.textContent;
  button.addEventListener('click', function () { setOpen(wrap, button.getAttribute('aria-pressed') !== 'true'); });
  wrap.querySelectorAll('.view-folded .box[role=button]').forEach(function (stack) {
    activate(stack, function () {
      setOpen(wrap, true);
      stack.setAttribute('aria-expanded', 'true');
      var inside = wrap.querySelectorAll('.view-open .box[data-in="' + CSS.escape(stack.dataset.key) + '"]');
      outline(wrap, Array.prototype.map.call(inside, function (b) { return b.dataset.key; }));
      if (inside.length) { inside[0].focus(); }
    });
  });
});
if (location.hash.indexOf('#sort=') === 0) {
  var wanted = decodeURIComponent(location.hash.slice(6)).split(':');
  document.querySelectorAll('table.layers').forEach(function (table) {
    var header = table.querySelector('th[data-key="' + CSS.escape(wanted[0]) + '"]');
    if (header) { sortTable(table, header, wanted[1] ? wanted[1] === 'asc'
                                            : !header.classList.contains('n') || wanted[0] === 'shape'); }
  });
}
"""
