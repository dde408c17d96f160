#!/usr/bin/env bash
# Builds function-shim/target/tether-shim-layer.zip: a jlink runtime holding only the JDK modules
# the shim uses, the shim jar, a class-data-sharing archive from a training run, and
# bin/tether-shim. Unzipped anywhere (e.g. /opt of a function), it runs without a JDK.
# Called by Maven in the package phase; it does nothing when the zip is newer than its inputs.
set -euo pipefail

TARGET="$(cd "$1" && pwd)" # function-shim/target
SRC="$(cd "$(dirname "$0")" && pwd)"
JAR="$TARGET/tether-shim.jar"
LAYER="$TARGET/tether-shim-layer"
ZIP="$TARGET/tether-shim-layer.zip"
# What jdeps --print-module-deps reports, less what the shim never loads: java.desktop (Jackson's
# optional java.beans support), java.xml (Jackson's optional DOM support), jdk.jfr (Netty's
# optional events). java.net.http is loaded only by --wait-for-debugger's gate. jdk.crypto.ec is
# for wss:// relays with EC certificates.
INSTALL=/opt/tether        # where the layer is meant to be unpacked
MODULES="java.base,java.net.http,java.logging,jdk.unsupported,jdk.crypto.ec"

# The shaded jar is rewritten by every build; its content, this script and the launcher decide.
STAMP="$TARGET/tether-shim-layer.inputs"
INPUTS="$(cat "$JAR" "$0" "$SRC/tether-shim" "$SRC/training-relay.js" | sha256sum | cut -d' ' -f1)"
if [ -f "$ZIP" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$INPUTS" ]; then
  exit 0
fi
JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"
[ -x "$JAVA_HOME/bin/jlink" ] || { echo "build-layer: no jlink in $JAVA_HOME; set JAVA_HOME to a JDK 17" >&2; exit 1; }

rm -rf "$LAYER" "$ZIP"
mkdir -p "$LAYER/bin" "$LAYER/lib"
"$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages \
  --compress=2 --output "$LAYER/runtime"
# libjvm.so comes with its symbol table (4 MB the layer does not need to run).
if command -v strip >/dev/null 2>&1; then
  find "$LAYER/runtime" -name '*.so' -exec strip --strip-unneeded {} + 2>/dev/null || true
fi
cp "$JAR" "$LAYER/lib/tether-shim.jar"
# Netty's epoll library sits beside the jar, found through java.library.path (bin/tether-shim):
# left in the jar, Netty copied it to a temporary file at every start (a 100 KB file write, and
# SecureRandom for the file's name; BENCHMARKS.md B8).
# Without python3: unzip and zip; without those either, the library stays in the jar (as before).
if ! command -v python3 >/dev/null 2>&1; then
  if command -v unzip >/dev/null 2>&1 && command -v zip >/dev/null 2>&1; then
    unzip -q -j -o "$LAYER/lib/tether-shim.jar" 'META-INF/native/*.so' -d "$LAYER/lib" &&
      zip -q -d "$LAYER/lib/tether-shim.jar" 'META-INF/native/*.so'
  fi
else python3 - "$LAYER/lib" <<'PY'
import os, shutil, sys, zipfile
lib = sys.argv[1]
jar = os.path.join(lib, "tether-shim.jar")
with zipfile.ZipFile(jar) as old, zipfile.ZipFile(jar + ".new", "w", zipfile.ZIP_DEFLATED) as new:
    for item in old.infolist():
        if item.filename.startswith("META-INF/native/") and item.filename.endswith(".so"):
            with old.open(item) as src, open(os.path.join(lib, os.path.basename(item.filename)), "wb") as dst:
                shutil.copyfileobj(src, dst)
        else:
            new.writestr(item, old.read(item), item.compress_type)
os.replace(jar + ".new", jar)
PY
fi
cp "$SRC/tether-shim" "$LAYER/bin/tether-shim"
chmod 755 "$LAYER/bin/tether-shim"

# Class-data sharing: a training run lists the classes start-up loads, and one static archive
# holds exactly those (JDK and shim alike), instead of the JDK's generic archives plus a dynamic
# one. The run is what the launcher (bin/tether-shim) starts: pid mode beside a node, against a
# stand-in relay on loopback (training-relay.js: hello, welcome, one stream through node's
# inspector opened with SIGUSR1, one CDP round trip), so the archive holds what an instance loads
# to register and to serve a session; nothing leaves this machine. Without node, a shorter run
# that only dials a closed port.
CLASSLIST="$TARGET/tether-shim.classlist"
train() { # the JVM options of the run; the rest is the shim's command line
  local relay_port="" done="" training_pid java_pid
  if command -v node >/dev/null 2>&1; then
    coproc TRAINING_RELAY { node "$SRC/training-relay.js"; }
    read -r -t 10 relay_port <&"${TRAINING_RELAY[0]}" || true
  fi
  if [ -n "$relay_port" ]; then
    NODE_OPTIONS= node --inspect-port=127.0.0.1:0 --inspect-publish-uid=http \
      -e "setTimeout(() => {}, 30000)" >>"$TARGET/tether-shim-training.log" 2>&1 &
    training_pid=$!
  else
    sleep 2 & training_pid=$!
    relay_port=9 # closed: the shim retries until the sleep ends
  fi
  "$LAYER/runtime/bin/java" "$@" -Djava.library.path="$LAYER/lib" -jar "$LAYER/lib/tether-shim.jar" \
    --relay "ws://127.0.0.1:$relay_port/agent" --token training --function cds-training \
    --instance cds-training --pid "$training_pid" >>"$TARGET/tether-shim-training.log" 2>&1 &
  java_pid=$!
  if [ -n "${TRAINING_RELAY_PID:-}" ]; then
    read -r -t 20 done <&"${TRAINING_RELAY[0]}" || true
    [ "$done" = done ] || echo "build-layer: the training run did not finish its session (see $TARGET/tether-shim-training.log)" >&2
    kill "$training_pid" 2>/dev/null || true
  fi
  wait "$training_pid" 2>/dev/null || true
  wait "$java_pid" 2>/dev/null || true
  [ -z "${TRAINING_RELAY_PID:-}" ] || wait "$TRAINING_RELAY_PID" 2>/dev/null || true
}
: >"$TARGET/tether-shim-training.log"
train -Xshare:off -XX:DumpLoadedClassList="$CLASSLIST" -XX:+UseSerialGC
# JDK 17 uses an archive only with the class path it was dumped with, so it is dumped for the
# place the layer is meant to live, /opt/tether (function platforms unpack layers under /opt):
# in a private mount namespace where this layer appears there, leaving the real /opt alone.
# Where that is not allowed (no root), the archive only fits a layer left where it was built.
touch -d "@$(( $(date +%s) / 2 * 2 ))" "$LAYER/lib/tether-shim.jar" # zip keeps even seconds
DUMP='"$1/runtime/bin/java" -Xshare:dump -XX:SharedClassListFile="$2" -XX:+UseSerialGC \
  -XX:SharedArchiveFile="$1/lib/tether-shim.jsa" -cp "$1/lib/tether-shim.jar"'
if unshare --mount --propagation private true 2>/dev/null; then
  unshare --mount --propagation private bash -c \
    'mount -t tmpfs tmpfs /opt && mkdir /opt/tether && mount --bind "$3" /opt/tether && '"$DUMP" \
    dump "$INSTALL" "$CLASSLIST" "$LAYER" >"$TARGET/tether-shim-cds.log" 2>&1 || CDS_FAILED=1
else
  echo "build-layer: no private mount namespace here; the CDS archive fits only $LAYER" >&2
  bash -c "$DUMP" dump "$LAYER" "$CLASSLIST" >"$TARGET/tether-shim-cds.log" 2>&1 || CDS_FAILED=1
fi
[ -z "${CDS_FAILED:-}" ] ||
  echo "build-layer: the CDS dump failed (see $TARGET/tether-shim-cds.log); the layer starts without it" >&2

(
  cd "$LAYER"
  if command -v zip >/dev/null 2>&1; then
    zip -q -r -y "$ZIP" bin lib runtime
  else
    python3 - "$ZIP" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for top in ("bin", "lib", "runtime"):
        for root, dirs, files in os.walk(top):
            for name in files:
                path = os.path.join(root, name)
                info = zipfile.ZipInfo.from_file(path)
                info.external_attr = (os.stat(path).st_mode & 0xFFFF) << 16
                with open(path, "rb") as f:
                    z.writestr(info, f.read(), zipfile.ZIP_DEFLATED)
PY
  fi
)
echo "$INPUTS" > "$STAMP"
echo "build-layer: $(du -h "$ZIP" | cut -f1) $ZIP ($(du -sh "$LAYER" | cut -f1) unpacked)"
