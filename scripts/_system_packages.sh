# Shared by the test scripts: install the Debian packages the test suite's real servers come from.
# Usage: source scripts/_system_packages.sh; ensure_system_packages dovecot-imapd ...
# Installs only what is missing, quietly; fails loudly when it cannot (the tests need these servers and
# fail, rather than skip, without them).

ensure_system_packages() {
    local missing=() package
    for package in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    echo "==> installing system packages: ${missing[*]}"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo -n"
    fi
    if ! command -v apt-get >/dev/null; then
        echo "cannot install ${missing[*]}: no apt-get on this machine; install them by hand" >&2
        return 1
    fi
    # a stale package list is the usual reason an install fails: refresh it once and try again
    if ! { $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
           || { $sudo apt-get update -qq >/dev/null \
                && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; }; then
        echo "installing ${missing[*]} failed (root or passwordless sudo is needed)" >&2
        return 1
    fi
}
