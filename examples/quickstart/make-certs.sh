#!/usr/bin/env bash
# Makes the quickstart's certificates with openssl: an issuing CA, a user certificate for baptiste and a
# partner certificate, valid for 60 years so the example never expires. Private keys stay in a temp
# folder that is deleted at the end: only public certificates are written to OUT.
set -euo pipefail
OUT=${1:?usage: make-certs.sh OUT_DIR}
mkdir -p "$OUT"
KEYS=$(mktemp -d)
trap 'rm -rf "$KEYS"' EXIT
DAYS=21915 # 60 years

ext() { # name, extension lines
  printf '%s\n' "${@:2}" >"$KEYS/$1.ext"
}

# The organization's issuing CA (what Set-SmimeConfig -SMIMECertificateIssuingCA publishes).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$KEYS/ca.key" -out "$KEYS/ca.pem" -days "$DAYS" \
  -subj "/O=Contoso/CN=Contoso S-MIME Issuing CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# A user certificate, issued by the CA, for baptiste@contoso.example.
ext baptiste "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=emailProtection" \
  "subjectAltName=email:baptiste@contoso.example" "basicConstraints=CA:FALSE"
openssl req -newkey rsa:2048 -nodes -keyout "$KEYS/baptiste.key" -out "$KEYS/baptiste.csr" \
  -subj "/O=Contoso/CN=Baptiste/emailAddress=baptiste@contoso.example" 2>/dev/null
openssl x509 -req -in "$KEYS/baptiste.csr" -CA "$KEYS/ca.pem" -CAkey "$KEYS/ca.key" -CAcreateserial \
  -days "$DAYS" -extfile "$KEYS/baptiste.ext" -out "$KEYS/baptiste.pem" 2>/dev/null

# The partner's CA and the partner's certificate it issued (a real partner sends both).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$KEYS/partner-ca.key" -out "$KEYS/partner-ca.pem" -days "$DAYS" \
  -subj "/O=Cravate Rouge/CN=Cravate Rouge CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
ext partner "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=emailProtection" \
  "subjectAltName=email:baptiste@cravaterouge.com" "basicConstraints=CA:FALSE"
openssl req -newkey rsa:2048 -nodes -keyout "$KEYS/partner.key" -out "$KEYS/partner.csr" \
  -subj "/O=Cravate Rouge/CN=Baptiste (Cravate Rouge)/emailAddress=baptiste@cravaterouge.com" 2>/dev/null
openssl x509 -req -in "$KEYS/partner.csr" -CA "$KEYS/partner-ca.pem" -CAkey "$KEYS/partner-ca.key" -CAcreateserial \
  -days "$DAYS" -extfile "$KEYS/partner.ext" -out "$KEYS/partner.pem" 2>/dev/null

openssl x509 -in "$KEYS/baptiste.pem" -outform DER -out "$OUT/baptiste.cer"
openssl x509 -in "$KEYS/partner.pem" -outform DER -out "$OUT/partner.cer"
openssl x509 -in "$KEYS/ca.pem" -outform DER -out "$OUT/ca.cer"
openssl x509 -in "$KEYS/partner-ca.pem" -outform DER -out "$OUT/partner-ca.cer"
# The CAs mail clients must trust (ours and the partner's) as a certs-only PKCS#7 (.p7b), one of the
# formats Exchange accepts for SMIMECertificateIssuingCA.
openssl crl2pkcs7 -nocrl -certfile "$KEYS/ca.pem" -certfile "$KEYS/partner-ca.pem" -outform DER -out "$OUT/chain.p7b"
echo "certificates written to $OUT: chain.p7b ca.cer partner-ca.cer baptiste.cer partner.cer"
