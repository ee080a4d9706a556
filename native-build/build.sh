#!/usr/bin/env bash
# Builds GraalVM native executables of the Cairn services and, with a container engine, micro images of them.
#
#   native-build/build.sh [--check] [--image] [service ...]     (default: every service)
#
# Needs GraalVM/Mandrel's native-image on PATH, or a working Docker/Podman engine (Quarkus then builds inside
# its Mandrel builder image: quarkus.native.container-build). --image also builds Dockerfile.native-micro images.
# --check only reports which of the two is available (exit 3 when neither is).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SERVICES=(ingest identity consent segments)
REGISTRY="${CAIRN_IMAGE_REGISTRY:-ghcr.io/cairn-cdp}"

check_only=0 image=0 selected=()
for arg in "$@"; do
  case "$arg" in
    --check) check_only=1 ;;
    --image) image=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) selected+=("$arg") ;;
  esac
done
[[ ${#selected[@]} -gt 0 ]] || selected=("${SERVICES[@]}")

engine=""
for e in docker podman; do
  if command -v "$e" >/dev/null 2>&1 && "$e" info >/dev/null 2>&1; then engine="$e"; break; fi
done
native=""
command -v native-image >/dev/null 2>&1 && native="$(command -v native-image)"

if [[ -z "$native" && -z "$engine" ]]; then
  echo "native-build: neither native-image (GraalVM/Mandrel) nor a running docker/podman engine is available;" >&2
  echo "native-build: nothing can be built here (see native-build/README.md)." >&2
  exit 3
fi
echo "native-build: native-image: ${native:-none}; container engine: ${engine:-none}"
[[ $check_only == 1 ]] && exit 0
if [[ $image == 1 && -z "$engine" ]]; then
  echo "native-build: --image needs docker or podman" >&2; exit 3
fi

# Reflection and resource configuration the services need beyond what Quarkus' extensions register
# (native-build/config/<service>/; common/ applies to all).
includes() {
  local svc="$1" out=""
  for f in "$HERE/config/common/resources.properties" "$HERE/config/$svc/resources.properties"; do
    [[ -f "$f" ]] && out="$out,$(sed -n 's/^includes=//p' "$f")"
  done
  echo "${out#,}"
}

for svc in "${selected[@]}"; do
  args=(-B package -pl "services/$svc" -am -DskipTests
        -Dquarkus.native.enabled=true -Dquarkus.package.jar.enabled=false
        "-Dquarkus.native.resources.includes=$(includes "$svc")")
  if [[ -f "$HERE/config/$svc/reflect-config.json" ]]; then
    args+=("-Dquarkus.native.additional-build-args=-H:ReflectionConfigurationFiles=$HERE/config/$svc/reflect-config.json")
  fi
  # Without a local GraalVM, Quarkus runs native-image in its builder image through the engine.
  [[ -z "$native" ]] && args+=(-Dquarkus.native.container-build=true "-Dquarkus.native.container-runtime=$engine")
  echo "native-build: $svc: ./mvnw ${args[*]}"
  (cd "$ROOT" && ./mvnw "${args[@]}")
  if [[ $image == 1 ]]; then
    version=$(cd "$ROOT" && ./mvnw -q -pl "services/$svc" help:evaluate -Dexpression=project.version -DforceStdout)
    "$engine" build -f "$HERE/Dockerfile.native-micro" -t "$REGISTRY/cairn-$svc:$version-native" "$ROOT/services/$svc"
  fi
done
