#!/usr/bin/env bash
# Regenerates the labelled scan corpus (corpus/ and labels.tsv): fake but
# format-valid credentials in true/ (one per file, labelled with its line and
# rule), and in false/ what a scanner must not report: sealed values of every
# format, recipients, and look-alikes (UUIDs, hashes, base64 images, example
# keys, placeholders). Every value is random and was never a real credential.
#
#   bash tests/testdata/scan/generate.sh SEALCTL
#
# Needs: sealctl (built), openssl. The Bitnami value comes from the
# kubeseal-made fixture in tests/testdata/sealctl/fixtures.
set -euo pipefail
SEALCTL=${1:?usage: generate.sh SEALCTL}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FIXTURES=$HERE/../sealctl/fixtures
OUT=$HERE/corpus
rm -rf "$OUT" && mkdir -p "$OUT/true" "$OUT/false"
LABELS=$HERE/labels.tsv
printf '# file\tline\trule (every finding elsewhere is a false positive)\n' > "$LABELS"

rand() { # rand N CHARSET
  LC_ALL=C tr -dc "$2" < /dev/urandom | head -c "$1"
}
alnum() { rand "$1" 'A-Za-z0-9'; }
hex() { rand "$1" '0-9a-f'; }
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# true FILE RULE CONTENT: writes FILE and labels the line holding @@.
true_file() {
  local file=$OUT/true/$1 rule=$2 content=$3 line
  mkdir -p "$(dirname "$file")"
  line=$(printf '%s\n' "$content" | grep -n '@@' | head -1 | cut -d: -f1)
  printf '%s\n' "$content" | sed 's/@@//' > "$file"
  printf 'true/%s\t%s\t%s\n' "$1" "$line" "$rule" >> "$LABELS"
}

# Plaintext Secret manifests (the label is the kind: line).
true_file secrets/db.yaml plaintext-secret "apiVersion: v1
@@kind: Secret
metadata:
  name: db
  namespace: team-a
type: Opaque
stringData:
  username: app
  port: \"5432\""
true_file secrets/tls-data.yaml plaintext-secret "---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: team-a}
data: {mode: fast}
---
apiVersion: v1
@@kind: Secret
metadata: {name: api, namespace: team-a}
data:
  user: YXBw"
true_file secrets/list.json plaintext-secret "{
  \"apiVersion\": \"v1\",
  \"kind\": \"List\",
  \"items\": [
    {
      \"apiVersion\": \"v1\",
@@      \"kind\": \"Secret\",
      \"metadata\": {\"name\": \"cache\", \"namespace\": \"team-b\"},
      \"stringData\": {\"host\": \"redis\"}
    }
  ]
}"

# Private keys.
key=$(openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null)
true_file keys/server.key private-key "@@$key"
key=$(openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null)
true_file keys/config.json private-key "{
@@  \"tlsKey\": \"$(printf '%s\n' "$key" | awk '{printf "%s\\n", $0}')\"
}"
key=$(openssl genpkey -algorithm ED25519 2>/dev/null)
true_file keys/install.sh private-key "#!/bin/sh
cat > /etc/app/key.pem <<'EOF'
@@$key
EOF"

# age identities.
id=$("$SEALCTL" keygen 2>/dev/null | grep '^AGE-SECRET-KEY-1')
true_file age/identity.txt age-secret-key "# created: 2026-01-01T00:00:00Z
@@$id"
id=$("$SEALCTL" keygen 2>/dev/null | grep '^AGE-SECRET-KEY-1')
true_file age/ci.env age-secret-key "SOPS_AGE_KEY_FILE=/tmp/key
@@SOPS_AGE_KEY=$id"

# Cloud and SaaS tokens.
true_file cloud/aws.env aws-access-key "AWS_REGION=eu-west-1
@@AWS_ACCESS_KEY_ID=AKIA$(rand 16 'A-Z2-7')"
true_file cloud/aws-values.yaml aws-access-key "s3:
  bucket: backups
@@  accessKeyId: ASIA$(rand 16 'A-Z2-7')"
true_file tokens/github.sh github-token "#!/bin/sh
@@export GITHUB_TOKEN=ghp_$(alnum 36)
gh release list"
true_file tokens/github-pat.yaml github-token "ci:
@@  token: github_pat_$(alnum 22)_$(alnum 59)"
true_file tokens/gitlab.env gitlab-token "@@GITLAB_TOKEN=glpat-$(alnum 20)"
true_file tokens/slack.yaml slack-token "notify:
  channel: '#ops'
@@  botToken: xoxb-$(rand 12 0-9)-$(rand 13 0-9)-$(alnum 24)"
true_file tokens/slack-webhook.txt slack-token "alerts go to
@@https://hooks.slack.com/services/T$(rand 8 A-Z0-9)/B$(rand 10 A-Z0-9)/$(alnum 24)"
true_file tokens/stripe.env stripe-key "@@STRIPE_SECRET_KEY=sk_live_$(alnum 24)"
true_file tokens/stripe.json stripe-key "{\"payments\": {
@@  \"restricted\": \"rk_live_$(alnum 30)\"}}"
header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
payload=$(printf '{"sub":"%s","iat":1767225600}' "$(hex 12)" | b64url)
true_file tokens/jwt.yaml jwt "webhook:
@@  bearer: $header.$payload.$(alnum 43)"
header=$(printf '{"alg":"RS256","kid":"%s"}' "$(hex 8)" | b64url)
true_file tokens/jwt.http jwt "GET /v1/things HTTP/1.1
@@Authorization: Bearer $header.$payload.$(alnum 86)"

# Connection strings.
true_file db/values.yaml connection-string "database:
@@  url: postgres://app:$(alnum 18)@db.team-a.svc:5432/app?sslmode=require"
true_file db/app.env connection-string "@@MONGO_URI=mongodb+srv://reader:$(alnum 16)@cluster0.example.net/shop"
true_file db/compose.yaml connection-string "services:
  worker:
    environment:
@@      REDIS_URL: redis://default:$(alnum 24)@redis:6379/0"

# Infisical.
true_file infisical/token.env infisical-client-secret "@@INFISICAL_TOKEN=st.$(hex 24).$(hex 32).$(hex 32)"
true_file infisical/auth.yaml infisical-client-secret "universalAuth:
  clientId: $(cat /proc/sys/kernel/random/uuid)
@@  clientSecret: $(hex 64)"

# High-entropy values under secret-like keys.
true_file generic/values.yaml generic-high-entropy "payments:
  enabled: true
@@  apiKey: $(alnum 32)"
true_file generic/deploy.sh generic-high-entropy "#!/bin/sh
@@export DB_PASSWORD='$(alnum 14)$(rand 6 '#%^&*')'
./migrate"
true_file generic/settings.json generic-high-entropy "{
@@  \"signing_secret\": \"$(alnum 40)\"
}"

# ---- false/: must never be reported ----
R=$("$SEALCTL" keygen 2>/dev/null | "$SEALCTL" recipient)
mkdir -p "$OUT/false/sealed"
cat > "$OUT/false/secret.yaml.tmp" <<EOF
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: team-a}
stringData:
  password: $(alnum 24)
  apiKey: $(alnum 32)
  token: ghp_$(alnum 36)
EOF
"$SEALCTL" seal -r "$R" -f "$OUT/false/secret.yaml.tmp" > "$OUT/false/sealed/db.sealed.yaml"
"$SEALCTL" seal -r "$R" --format sodium -f "$OUT/false/secret.yaml.tmp" > "$OUT/false/sealed/db-sodium.sealed.yaml"
"$SEALCTL" seal -r "$R" -o json -f "$OUT/false/secret.yaml.tmp" > "$OUT/false/sealed/db.sealed.json"
rm "$OUT/false/secret.yaml.tmp"
cp "$FIXTURES/bitnami-sealed.yaml" "$OUT/false/sealed/bitnami.sealed.yaml"
age_value=$(printf '%s' "$(alnum 20)" | "$SEALCTL" seal --raw -r "$R" -n team-a --name app)
sodium_value=$(printf '%s' "$(alnum 20)" | "$SEALCTL" seal --raw --format sodium -r "$R" -n team-a --name app)
bitnami_value=$(awk '/password:/ {print $2; exit}' "$FIXTURES/bitnami-sealed.yaml")
cat > "$OUT/false/sealed/values.yaml" <<EOF
# Helm values holding sealed values (rendered into a SealedSecret).
sealed:
  password: $age_value
  apiToken: "$sodium_value"
  legacySecret: $bitnami_value
EOF
cat > "$OUT/false/sealed/app.env" <<EOF
DB_PASSWORD_SEALED=$age_value
API_TOKEN=$sodium_value
EOF
mkdir -p "$OUT/false/recipients"
{ echo "# the cluster's recipients"; echo "$R"; "$SEALCTL" keygen 2>/dev/null | "$SEALCTL" recipient; } \
  > "$OUT/false/recipients/recipients.txt"
cat > "$OUT/false/recipients/sops.yaml" <<EOF
creation_rules:
  - path_regex: secrets/.*
    key: $R
    publicKey: $("$SEALCTL" keygen 2>/dev/null | "$SEALCTL" recipient)
EOF
mkdir -p "$OUT/false/lookalikes"
cat > "$OUT/false/lookalikes/ids.yaml" <<EOF
tenant:
  token_id: $(cat /proc/sys/kernel/random/uuid)
  apiKeyId: $(cat /proc/sys/kernel/random/uuid)
  secretName: db-credentials
  existingSecret: team-a-db
  passwordFile: /run/secrets/db-password
  tokenUrl: https://auth.example.com/oauth/token
  authType: oauth2
  image: registry.example.com/app@sha256:$(hex 64)
  commit: $(hex 40)
  checksum/secret: $(hex 64)
  keyHash: sha256:$(hex 64)
EOF
cat > "$OUT/false/lookalikes/deploy.yaml" <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: team-a}
spec:
  template:
    metadata:
      annotations:
        checksum/config: $(hex 64)
    spec:
      containers:
        - name: app
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef: {name: db, key: password}
          envFrom:
            - secretRef: {name: api}
EOF
cat > "$OUT/false/lookalikes/templates.yaml" <<'EOF'
apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-db
stringData:
  password: {{ .Values.db.password | quote }}
  token: ${API_TOKEN}
EOF
cat > "$OUT/false/lookalikes/placeholders.env" <<'EOF'
DB_PASSWORD=changeme
API_KEY=<your-api-key>
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}
SECRET_KEY=$(cat /run/secrets/key)
DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app
EOF
png=$(head -c 600 /dev/urandom | openssl base64 -A)
cat > "$OUT/false/lookalikes/logo.yaml" <<EOF
branding:
  logo: data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA$png
EOF
printf 'iVBORw0KGgoAAAANSUhEUgAA%s\n' "$png" | fold -w 76 > "$OUT/false/lookalikes/image.b64"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
  -subj /CN=example -days 1 2>/dev/null > "$OUT/false/lookalikes/ca.crt"
cat > "$OUT/false/lookalikes/go.sum" <<EOF
github.com/example/mod v1.2.3 h1:$(head -c 32 /dev/urandom | openssl base64 -A)
github.com/example/mod v1.2.3/go.mod h1:$(head -c 32 /dev/urandom | openssl base64 -A)
EOF
cat > "$OUT/false/lookalikes/package-lock.json" <<EOF
{"packages": {"node_modules/left-pad": {"version": "1.3.0",
  "integrity": "sha512-$(head -c 64 /dev/urandom | openssl base64 -A)"}}}
EOF
cat > "$OUT/false/lookalikes/README.md" <<'EOF'
# Setup
Put your key in `AWS_SECRET_ACCESS_KEY` and the private key in a file:
`-----BEGIN PRIVATE KEY-----` ... `-----END PRIVATE KEY-----` (never commit it).
Tokens look like `ghp_...` and `xoxb-...`; see the docs.
EOF
echo "corpus: $(find "$OUT" -type f | wc -l) files, $(($(wc -l < "$LABELS") - 1)) labelled secrets" >&2
