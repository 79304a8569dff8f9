# Shared by the quick-start scripts: install the web pages' front-end assets (htmx, Chart.js, the PT Sans
# font) from the npm registry and copy them under static/vendor/, where the pages load them from this
# server. Nothing is loaded from a CDN. Usage: source scripts/_assets.sh; ensure_web_assets

ensure_web_assets() {
    local vendor="src/helpline/entrypoints/web/static/vendor"
    local stamp="$vendor/.installed-from"
    if [ -f "$stamp" ] && cmp -s "$stamp" assets/package-lock.json; then
        return 0
    fi
    if ! command -v npm >/dev/null; then
        echo "npm is needed to install the web pages' assets (htmx, Chart.js, fonts): install Node.js" >&2
        return 1
    fi
    echo "==> installing the web assets from the npm registry"
    npm ci --prefix assets --no-audit --no-fund --loglevel=error >/dev/null
    rm -rf "$vendor"
    mkdir -p "$vendor/pt-sans/files"
    cp assets/node_modules/htmx.org/dist/htmx.min.js "$vendor/"
    cp assets/node_modules/chart.js/dist/chart.umd.min.js "$vendor/"
    cp assets/node_modules/@fontsource/pt-sans/{400,700}.css "$vendor/pt-sans/"
    cp assets/node_modules/@fontsource/pt-sans/files/*-normal.woff2 "$vendor/pt-sans/files/"
    cp assets/package-lock.json "$stamp"
}
