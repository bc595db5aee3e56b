#!/usr/bin/env bash
# Container images of sealsync built without Docker or a registry: an OCI
# image layout (oci-layout, index.json, blobs/sha256/...) written by hand with
# tar, gzip and sha256sum, packed as one tarball that `ctr images import`,
# skopeo (oci-archive:) and podman load. Reproducible: fixed mtimes, owners
# and modes, sorted entries, gzip -n, no timestamps in the config, so the same
# binaries give the same digest.
#
#   image.sh build [OUT]       build the images into OUT (default build/images):
#                                sealsync-operator.oci.tar  docker.io/sealsync/operator:$TAG
#                                sealctl.oci.tar            docker.io/sealsync/sealctl:$TAG
#                                pause.oci.tar              docker.io/sealsync/pause:1
#                              and print each one's name, manifest digest and size
#   image.sh rootfs BIN DIR    the root filesystem of BIN's image in DIR: BIN
#                              stripped, exactly the shared libraries `ldd BIN`
#                              lists and the dynamic loader, /etc/passwd and
#                              /etc/group (nonroot = 65532), CA certificates.
#                              The Dockerfile runs this too, so both agree.
#   image.sh ref operator|sealctl|pause   print an image's name
#
# Environment:
#   BUILD_DIR       where the binaries are (default build, relative to the repository):
#                   operator/sealsync-operator, sealctl/sealctl
#   SEALSYNC_IMAGE_TAG   tag of the operator and sealctl images (default dev)
#   SEALSYNC_IMAGE_REBUILD  if set, build even when the inputs are unchanged
#                   (otherwise build reuses OUT's images when the binaries,
#                   their libraries, this script and the tag are the same)
#
# Only the summary goes to stdout (build); progress goes to stderr.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
TAG=${SEALSYNC_IMAGE_TAG:-dev}
NONROOT=65532
PAUSE_UID=65535   # as the upstream pause image

log() { printf 'image: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

image_ref() {
  case $1 in
    operator) echo "docker.io/sealsync/operator:$TAG" ;;
    sealctl) echo "docker.io/sealsync/sealctl:$TAG" ;;
    pause) echo "docker.io/sealsync/pause:1" ;;
    *) die "unknown image $1 (operator|sealctl|pause)" ;;
  esac
}

# ---------------------------------------------------------------- rootfs ---

# put FILE DEST MODE: copy FILE's content (symlinks followed) to DEST.
put() {
  mkdir -p "$(dirname "$2")"
  cp -L "$1" "$2"
  chmod "$3" "$2"
}

# The shared objects BIN loads, as absolute paths, loader included: every
# "name => /path" line and the "/path/ld-linux..." line of ldd.
needed_libs() { # BIN
  local out
  out=$(ldd "$1" 2>&1) || die "ldd $1 failed: $out"
  if grep -q 'not found' <<<"$out"; then die "ldd $1: $(grep 'not found' <<<"$out")"; fi
  awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$out" | LC_ALL=C sort -u
}

cmd_rootfs() { # BIN DIR
  local bin=$1 dir=$2 name lib
  [ -x "$bin" ] || die "$bin is not an executable"
  name=$(basename "$bin")
  rm -rf "$dir"; mkdir -p "$dir"
  put "$bin" "$dir/usr/bin/$name" 0755
  strip --strip-all "$dir/usr/bin/$name"
  for lib in $(needed_libs "$bin"); do put "$lib" "$dir$lib" 0644; done
  # the loader is exec()ed by the kernel (PT_INTERP): it needs the x bit
  for lib in "$dir"/lib64/ld-linux-*.so.* "$dir"/lib/*/ld-linux-*.so.*; do
    [ -f "$lib" ] && chmod 0755 "$lib"
  done
  mkdir -p "$dir/etc/ssl/certs" "$dir/tmp" "$dir/home/nonroot"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%s:%s:nonroot:/home/nonroot:/sbin/nologin\n' \
    "$NONROOT" "$NONROOT" > "$dir/etc/passwd"
  printf 'root:x:0:\nnonroot:x:%s:\n' "$NONROOT" > "$dir/etc/group"
  [ -f /etc/ssl/certs/ca-certificates.crt ] || die "no /etc/ssl/certs/ca-certificates.crt (install ca-certificates)"
  put /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/ca-certificates.crt" 0644
  normalize "$dir"
  chmod 1777 "$dir/tmp"
}

normalize() { # DIR: modes independent of umask
  find "$1" -type d -exec chmod 0755 {} +
  find "$1" -type f ! -perm -u+x -exec chmod 0644 {} +
  find "$1" -type f -perm -u+x -exec chmod 0755 {} +
}

# ------------------------------------------------------------- OCI layout ---

# A reproducible tar of DIR's contents (no "./" prefix), to stdout.
repro_tar() { # DIR
  (cd "$1" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort |
    tar --create --no-recursion --files-from=- --format=gnu --mtime=@0 \
        --numeric-owner --owner=0 --group=0 -f -)
}

blob() { # LAYOUT FILE -> moves FILE into blobs, prints "sha256:<hex> <size>"
  local hex size
  hex=$(sha256sum "$2" | cut -d' ' -f1)
  size=$(stat -c %s "$2")
  mv -f "$2" "$1/blobs/sha256/$hex"
  echo "sha256:$hex $size"
}

# pack ROOTFS OUT_TAR REF USER ENTRYPOINT_JSON: writes the OCI archive and
# prints "REF DIGEST SIZE_GZ".
pack() {
  local rootfs=$1 out=$2 ref=$3 user=$4 entry=$5
  local work; work=$(mktemp -d "${TMPDIR:-/tmp}/sealsync-image.XXXXXX")
  local layout=$work/layout
  mkdir -p "$layout/blobs/sha256"
  # The layer: every entry owned by root (uid 0), whoever runs this.
  repro_tar "$rootfs" > "$work/layer.tar"
  local diff_id; diff_id=sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  gzip -n -9 -c "$work/layer.tar" > "$work/layer.tar.gz"
  local layer; layer=$(blob "$layout" "$work/layer.tar.gz")
  local title=${ref%:*}; title=${title##*/}
  printf '%s' '{"architecture":"amd64","os":"linux","config":{"User":"'"$user"'","Env":["PATH=/usr/bin","SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"],"Entrypoint":'"$entry"',"WorkingDir":"/","Labels":{"org.opencontainers.image.source":"https://sealsync.dev","org.opencontainers.image.title":"'"$title"'"}},"rootfs":{"type":"layers","diff_ids":["'"$diff_id"'"]},"history":[{"created_by":"scripts/image.sh"}]}' \
    > "$work/config.json"
  local config; config=$(blob "$layout" "$work/config.json")
  printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"'"${config% *}"'","size":'"${config#* }"'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"'"${layer% *}"'","size":'"${layer#* }"'}]}' \
    > "$work/manifest.json"
  local manifest; manifest=$(blob "$layout" "$work/manifest.json")
  printf '%s' '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
  printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"'"${manifest% *}"'","size":'"${manifest#* }"',"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"'"$ref"'","org.opencontainers.image.ref.name":"'"${ref##*:}"'"}}]}' \
    > "$layout/index.json"
  repro_tar "$layout" > "$out.tmp"
  mv -f "$out.tmp" "$out"
  rm -rf "$work"
  echo "$ref ${manifest% *} ${layer#* }"
}

# What the images are made of: this script, the binaries, the shared
# libraries they load, the CA bundle, pause.c and the compiler, the tag.
inputs_key() { # OPERATOR SEALCTL
  {
    echo "tag $TAG"; gcc --version 2>&1 | head -1
    sha256sum "$SCRIPT_DIR/image.sh" "$ROOT/tests/node/pause.c" /etc/ssl/certs/ca-certificates.crt "$1"
    # shellcheck disable=SC2046
    sha256sum $(needed_libs "$1")
    if [ -x "$2" ]; then
      # shellcheck disable=SC2046
      sha256sum "$2" $(needed_libs "$2")
    fi
  } | sha256sum | cut -c1-32
}

cmd_build() { # [OUT]
  local bdir=${BUILD_DIR:-build}
  [[ $bdir = /* ]] || bdir=$ROOT/$bdir
  local out=${1:-$bdir/images}
  mkdir -p "$out"; out=$(cd "$out" && pwd)
  local op=$bdir/operator/sealsync-operator ctl=$bdir/sealctl/sealctl
  [ -x "$op" ] || die "$op is missing; build it first (bash scripts/build.sh)"
  # Same inputs, same images: reuse them (gzip -9 is most of the 12 s).
  local key f reuse=1; key=$(inputs_key "$op" "$ctl")
  for f in sealsync-operator.oci.tar pause.oci.tar images.txt; do [ -f "$out/$f" ] || reuse=0; done
  if [ $reuse = 1 ] && [ -z "${SEALSYNC_IMAGE_REBUILD:-}" ] && [ "$(cat "$out/.inputs" 2>/dev/null)" = "$key" ]; then
    log "inputs unchanged: reusing the images in $out (name, manifest digest, compressed layer bytes):"
    cat "$out/images.txt"
    return 0
  fi
  rm -f "$out/.inputs"
  local work; work=$(mktemp -d "${TMPDIR:-/tmp}/sealsync-rootfs.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT
  local line t0=$SECONDS
  : > "$out/images.txt"
  cmd_rootfs "$op" "$work/operator"
  line=$(pack "$work/operator" "$out/sealsync-operator.oci.tar" "$(image_ref operator)" \
    "$NONROOT:$NONROOT" '["/usr/bin/sealsync-operator"]')
  echo "$line" >> "$out/images.txt"
  if [ -x "$ctl" ]; then
    cmd_rootfs "$ctl" "$work/sealctl"
    line=$(pack "$work/sealctl" "$out/sealctl.oci.tar" "$(image_ref sealctl)" \
      "$NONROOT:$NONROOT" '["/usr/bin/sealctl"]')
    echo "$line" >> "$out/images.txt"
  else
    log "warning: no $ctl; skipping the sealctl image"
  fi
  mkdir -p "$work/pause/usr/bin"
  gcc -Os -static -s -o "$work/pause/usr/bin/pause" "$ROOT/tests/node/pause.c" ||
    die "gcc -static failed (is libc6-dev installed?)"
  normalize "$work/pause"
  line=$(pack "$work/pause" "$out/pause.oci.tar" "$(image_ref pause)" \
    "$PAUSE_UID:$PAUSE_UID" '["/usr/bin/pause"]')
  echo "$line" >> "$out/images.txt"
  rm -rf "$work"; trap - EXIT
  echo "$key" > "$out/.inputs"
  log "built in $((SECONDS - t0))s into $out (name, manifest digest, compressed layer bytes):"
  cat "$out/images.txt"
}

case "${1:-}" in
  build) cmd_build "${2:-}" ;;
  rootfs) [ $# -eq 3 ] || die "usage: image.sh rootfs BIN DIR"; cmd_rootfs "$2" "$3" ;;
  ref) image_ref "${2:-}" ;;
  *) sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
