#!/usr/bin/env bash
# Installs the Debian packages that edigate needs to build, test and run. Idempotent: packages
# already present are left alone, and apt is only called when something is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config make python3
  clang libclang-rt-14-dev        # libFuzzer targets and sanitizer builds
  catch2                          # unit tests (Catch2 2.13)
  libcli11-dev                    # command line
  nlohmann-json3-dev              # JSON output
  libpugixml-dev                  # reading schema, config and mapping files
  libxml2-dev libxml2-utils       # XSD validation (mapping and config files)
  libssl-dev zlib1g-dev           # AS2: CMS (OpenSSL 3), compression
  libsqlite3-dev sqlite3          # the gateway's store (and the sqlite3 shell for operators)
  libcurl4-openssl-dev curl       # outbound HTTPS (AS2 send, ERP connectors); curl in tests
  libboost-dev                    # Boost 1.74 Asio + Beast: the gateway's HTTP(S) listeners
  libsystemd-dev                  # sd_notify and the watchdog
  libssh-dev                      # SFTP server (libssh 0.10)
  openssh-client openssh-server openssh-sftp-server python3-paramiko   # SFTP tests
  python3-jsonschema              # canonical JSON Schema test
  openssl                         # AS2 tests: `openssl cms` as an independent S/MIME peer
  python3-jsonschema              # tests: canonical documents against docs/schemas
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
