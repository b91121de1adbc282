#!/bin/sh
# Development certificates for edigate: a dev CA, a TLS server certificate for localhost, our
# AS2 identity, a demo partner's AS2 identity and a client certificate for upload tests.
# FOR DEVELOPMENT AND TESTS ONLY: the keys are unencrypted and the CA is trusted by nothing.
#
#   certs/make-dev-certs.sh DIR        (e.g. gateway/demo/var/certs)
#
# Idempotent: a key and certificate pair that already exists is kept, so a rerun does not
# invalidate fingerprints or partner setups made with the old files. certs/README.md has the
# layout.
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dir=$1
days=825   # the longest validity TLS clients accept for a server certificate
umask 077  # keys are created readable by the owner only

mkdir -p "$dir/ca" "$dir/tls" "$dir/as2" "$dir/partners" "$dir/clients"

# key FILE: a 2048-bit RSA key unless FILE exists (RSA: what every AS2 partner supports).
key() {
  [ -f "$1" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null
}

# ca: the dev CA, self-signed.
if [ ! -f "$dir/ca/ca.pem" ] || [ ! -f "$dir/ca/ca.key" ]; then
  rm -f "$dir/ca/ca.pem"
  key "$dir/ca/ca.key"
  openssl req -new -x509 -key "$dir/ca/ca.key" -out "$dir/ca/ca.pem" -days "$days" -sha256 \
    -subj "/O=edigate development/CN=edigate dev CA (do not trust)" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
fi

# issue NAME SUBJECT EXTENSIONS: DIR/NAME.key and DIR/NAME.pem signed by the dev CA.
issue() {
  name=$1 subject=$2 extensions=$3
  if [ -f "$dir/$name.pem" ] && [ -f "$dir/$name.key" ]; then
    return 0
  fi
  key "$dir/$name.key"
  ext=$(mktemp)
  printf '%b\n' "$extensions" > "$ext"
  openssl req -new -key "$dir/$name.key" -subj "$subject" -out "$dir/$name.csr"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca/ca.pem" -CAkey "$dir/ca/ca.key" \
    -CAcreateserial -out "$dir/$name.pem" -days "$days" -sha256 -extfile "$ext" 2>/dev/null
  rm -f "$ext" "$dir/$name.csr"
}

issue tls/server "/O=edigate development/CN=localhost" \
  "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"
issue as2/our "/O=edigate development/CN=EDIGATE-DEV" \
  "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment,dataEncipherment"
issue partners/demo-retailer "/O=edigate development/CN=DEMO-RETAILER" \
  "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment,dataEncipherment"
issue clients/upload-client "/O=edigate development/CN=demo-retailer upload client" \
  "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth"

# The client certificate's SHA-256 fingerprint, as <client-cert sha256-fingerprint> wants it.
openssl x509 -in "$dir/clients/upload-client.pem" -outform DER \
  | openssl dgst -sha256 -r | cut -d' ' -f1 > "$dir/clients/upload-client.sha256"

# Certificates are public; keys stay owner-only (umask above).
chmod 644 "$dir"/ca/ca.pem "$dir"/tls/*.pem "$dir"/as2/*.pem "$dir"/partners/*.pem \
  "$dir"/clients/*.pem "$dir/clients/upload-client.sha256"
echo "dev certificates in $dir (for development only)"
