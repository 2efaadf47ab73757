// The widget's production build: the entry dist/widget/widget.js (Lit, idb-keyval and the
// launcher, minified) and, hashed under dist/widget/assets, the panel (the rest of the widget,
// with the wire checks compiled from the zod/mini schemas but no zod: docs/architecture.md,
// "Parsing in the browser") and the locales, loaded by dynamic import() relative to the entry's
// URL. The proxy serves it at /handoff/widget.js; npm consumers import it through package.json
// `exports`.
import ts from 'typescript';
import {defineConfig, type Plugin} from 'vite';

/** Squeeze the whitespace out of a css`` template (minifiers leave template text alone). */
const squeezeCss = (text: string) =>
  text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};,>])\s*/g, '$1')
    .replace(/:\s+/g, ':')
    .replace(/;}/g, '}')
    // 0.5 -> .5 (not inside a longer number such as 10.5).
    .replace(/(?<![\w.])0\.(\d)/g, '.$1')
    .trim();

/** In html``/svg`` templates, a run of whitespace that holds a line break renders as one space. */
const squeezeHtml = (text: string) =>
  text
    // Before the `>` or `/>` that closes a tag (attributes on lines of their own): no space at all.
    .replace(/\s*\n\s*(\/?>)/g, '$1')
    .replace(/\s*\n\s*/g, ' ');

/**
 * Minify the text of Lit's tagged templates in src/widget. Found with the TypeScript parser, not
 * a regex, so nested templates and `${…}` expressions are never touched.
 */
function minifyLitTemplates(): Plugin {
  return {
    name: 'glia-handoff:minify-lit-templates',
    enforce: 'pre',
    apply: 'build',
    transform(code, id) {
      if (!/\/src\/widget\/.+\.ts$/.test(id)) return null;
      const file = ts.createSourceFile(id, code, ts.ScriptTarget.Latest, true);
      const edits: Array<[number, number, string]> = [];
      const visit = (node: ts.Node): void => {
        if (ts.isTaggedTemplateExpression(node) && ts.isIdentifier(node.tag)) {
          const squeeze = node.tag.text === 'css' ? squeezeCss : squeezeHtml;
          const template = node.template;
          const parts = ts.isNoSubstitutionTemplateLiteral(template)
            ? [template]
            : [template.head, ...template.templateSpans.map((span) => span.literal)];
          if (['css', 'html', 'svg'].includes(node.tag.text)) {
            for (const part of parts) {
              // Template pieces are delimited by "`" or "}" at the start, "${" or "`" at the end.
              const start = part.getStart(file) + 1;
              const end = part.end - (ts.isTemplateHead(part) || ts.isTemplateMiddle(part) ? 2 : 1);
              edits.push([start, end, squeeze(code.slice(start, end))]);
            }
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(file);
      if (!edits.length) return null;
      let out = code;
      for (const [start, end, text] of edits.sort((a, b) => b[0] - a[0])) {
        out = out.slice(0, start) + text + out.slice(end);
      }
      return {code: out, map: null};
    },
  };
}

export default defineConfig({
  plugins: [minifyLitTemplates()],
  build: {
    outDir: 'dist/widget',
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    lib: {
      entry: 'src/widget/glia-handoff.ts',
      formats: ['es'],
      fileName: () => 'widget.js',
    },
    rolldownOptions: {
      // The panel chunk (behind a dynamic import) uses what the entry already has (Lit, the
      // launcher, idb-keyval) from the entry itself: 'strict' would move it all to a third chunk,
      // a second request before the launcher can paint.
      preserveEntrySignatures: 'allow-extension',
      // Library mode leaves ES output unminified by default; the widget ships to pages as is.
      // Tree-shaking is done by then, so lit's /* @__PURE__ */ annotations would only be weight.
      output: {
        chunkFileNames: 'assets/[name]-[hash].js',
        minify: true,
        comments: {annotation: false},
      },
    },
  },
});
