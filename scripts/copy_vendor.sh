#!/usr/bin/env bash
# Copies the npm-installed front-end assets (KaTeX, htmx, Plotly) into static/vendor (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf static/vendor
mkdir -p static/vendor/katex/contrib static/vendor/htmx static/vendor/plotly
cp node_modules/katex/dist/katex.min.js node_modules/katex/dist/katex.min.css static/vendor/katex/
cp node_modules/katex/dist/contrib/auto-render.min.js static/vendor/katex/contrib/
cp -r node_modules/katex/dist/fonts static/vendor/katex/fonts
cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
# Plotly: loaded only by pages with plots (the problem page when its item shows plots): the
# 3-D partial bundle (surface, scatter3d, scatter) for most, the full one where a contour plot
# is drawn (gradients)
cp node_modules/plotly.js-dist-min/plotly.min.js static/vendor/plotly/
cp node_modules/plotly.js-gl3d-dist-min/plotly-gl3d.min.js static/vendor/plotly/
echo "copied KaTeX $(node -p "require('./node_modules/katex/package.json').version"), htmx $(node -p "require('./node_modules/htmx.org/package.json').version") and Plotly $(node -p "require('./node_modules/plotly.js-dist-min/package.json').version") (3-D bundle $(node -p "require('./node_modules/plotly.js-gl3d-dist-min/package.json').version")) into static/vendor"
