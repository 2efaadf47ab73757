// The walk-through's eyes inside the page (added to every page before its own scripts): where
// focus is, which controls a view offers, and whether anything is hidden, cut off or out of its
// button. It looks through open shadow roots, as a person's eyes do. Plain browser JavaScript.
(() => {
  const INTERACTIVE =
    'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  const SHAPES = 'path, circle, rect, line, polyline, polygon, ellipse';

  /** Every element of the document and of the open shadow roots inside it, in tree order. */
  const all = (root = document) => {
    const out = [];
    for (const el of root.querySelectorAll('*')) {
      out.push(el);
      if (el.shadowRoot) out.push(...all(el.shadowRoot));
    }
    return out;
  };

  const parentOf = (el) => el.parentElement ?? el.getRootNode().host ?? null;

  const deepActive = () => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    return active;
  };

  /** The element drawn on top at a point, looking into shadow roots. */
  const hitAt = (x, y) => {
    let hit = document.elementFromPoint(x, y);
    while (hit?.shadowRoot) {
      const inner = hit.shadowRoot.elementFromPoint(x, y);
      if (!inner || inner === hit) break;
      hit = inner;
    }
    return hit;
  };

  const nameOf = (el) =>
    (
      el.getAttribute('aria-label') ||
      el.textContent ||
      el.getAttribute('placeholder') ||
      el.id ||
      el.tagName
    )
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 60);

  const hiddenForAll = (el) => {
    for (let node = el; node; node = parentOf(node)) {
      if (node.classList?.contains('sr-only') || node.classList?.contains('visually-hidden'))
        return true;
    }
    return false;
  };

  /** Some of the element's box is inside the viewport and drawn on top (not under a panel). */
  const seen = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    const points = [
      [r.left + r.width / 2, r.top + r.height / 2],
      [r.left + 3, r.top + 3],
      [r.right - 3, r.top + 3],
      [r.left + 3, r.bottom - 3],
      [r.right - 3, r.bottom - 3],
    ];
    return points.some(([x, y]) => {
      if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) return false;
      const hit = hitAt(x, y);
      return hit !== null && (hit === el || el.contains(hit) || hit.contains?.(el));
    });
  };

  /**
   * A layer that covers the whole viewport (a chat panel on a phone): the view is that layer.
   * Found from what is drawn at the centre, up to a fixed box as large as the viewport.
   */
  const coveringLayer = () => {
    for (let el = hitAt(innerWidth / 2, innerHeight / 2); el; el = parentOf(el)) {
      if (!(el instanceof Element) || getComputedStyle(el).position !== 'fixed') continue;
      const r = el.getBoundingClientRect();
      if (r.left <= 0 && r.top <= 0 && r.right >= innerWidth && r.bottom >= innerHeight) return el;
    }
    return null;
  };

  const within = (el, layer) => {
    for (let node = el; node; node = parentOf(node)) if (node === layer) return true;
    return false;
  };

  /** Controls a person can use in this view: rendered, enabled, and not under something else. */
  const controls = (layer = coveringLayer()) =>
    all().filter(
      (el) =>
        el.matches(INTERACTIVE) &&
        !el.disabled &&
        !el.closest('[inert]') &&
        (!layer || within(el, layer)) &&
        el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) &&
        !hiddenForAll(el) &&
        (() => {
          const r = el.getBoundingClientRect();
          const onScreen =
            r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
          // Off-screen ones (below the fold, scrolled away) count; on-screen ones must be on top.
          return !onScreen || seen(el);
        })()
    );

  let known = [];

  window.walkProbe = {
    /** Number the view's controls; returns their names. */
    mark() {
      known = controls();
      return known.map(nameOf);
    },
    /** The focused element: its number among the marked ones (-1 if unknown), name, visibility. */
    focus() {
      const el = deepActive();
      if (!el || el === document.body || el === document.documentElement)
        return {index: -1, name: '<body>', body: true, visible: false};
      return {index: known.indexOf(el), name: nameOf(el), body: false, visible: seen(el)};
    },
    /** Icons drawn outside their button. */
    icons() {
      const problems = [];
      for (const svg of all().filter((el) => el.tagName === 'svg')) {
        let button = svg;
        while (button && button.tagName !== 'BUTTON' && button.tagName !== 'A')
          button = parentOf(button);
        if (!button || !svg.checkVisibility()) continue;
        const box = button.getBoundingClientRect();
        for (const shape of [svg, ...svg.querySelectorAll(SHAPES)]) {
          const r = shape.getBoundingClientRect();
          if (r.width + r.height === 0) continue;
          if (
            r.left < box.left - 1 ||
            r.right > box.right + 1 ||
            r.top < box.top - 1 ||
            r.bottom > box.bottom + 1
          )
            problems.push(`icon of "${nameOf(button)}" lies outside its button`);
        }
      }
      return [...new Set(problems)];
    },
    /** Text that is truncated, cut off by a box that hides overflow, or off the page. */
    overflow() {
      const problems = [];
      const page = document.documentElement;
      if (page.scrollWidth > page.clientWidth + 1)
        problems.push(`the page scrolls sideways (${page.scrollWidth} > ${page.clientWidth})`);
      for (const el of all()) {
        const texts = [...el.childNodes].filter(
          (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim()
        );
        if (!texts.length || hiddenForAll(el) || !el.checkVisibility()) continue;
        if (['TEXTAREA', 'INPUT', 'STYLE', 'SCRIPT', 'OPTION'].includes(el.tagName)) continue;
        const style = getComputedStyle(el);
        if (style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1)
          problems.push(`"${nameOf(el)}" is cut short with an ellipsis`);
        const range = document.createRange();
        const rects = texts.flatMap((node) => {
          range.selectNodeContents(node);
          return [...range.getClientRects()];
        });
        for (const r of rects) {
          if (r.left < -1 || r.right > innerWidth + 1) {
            problems.push(`"${nameOf(el)}" runs off the side of the page`);
            break;
          }
          // Up to the first box that scrolls on an axis: text beyond it is scrolled away, not lost.
          let clipped = false;
          let [x, y] = [true, true];
          for (let box = el; box && !clipped && (x || y); box = parentOf(box)) {
            if (!(box instanceof Element)) break;
            const s = getComputedStyle(box);
            const b = box.getBoundingClientRect();
            const hides = (v) => v === 'hidden' || v === 'clip';
            const scrolls = (v) => v === 'auto' || v === 'scroll';
            if (x && hides(s.overflowX) && (r.left < b.left - 1 || r.right > b.right + 1))
              clipped = true;
            if (y && hides(s.overflowY) && (r.top < b.top - 1 || r.bottom > b.bottom + 1))
              clipped = true;
            if (scrolls(s.overflowX)) x = false;
            if (scrolls(s.overflowY)) y = false;
          }
          if (clipped) {
            problems.push(`"${nameOf(el)}" is cut off by its box`);
            break;
          }
        }
      }
      return [...new Set(problems)];
    },
  };
})();
