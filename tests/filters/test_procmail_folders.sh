#!/bin/bash
# test_procmail_folders.sh — differential test of filters/procmail/folder:
# Debian's procmail (var/peers/procmail) and our test-only driver
# (procmail-folder-driver) write the same message to the same folder names;
# the folders (names normalised, bytes, modes, link counts), the diagnostic
# log lines, LASTFOLDER and the logged size must agree.
#
# Debian's procmail creates the invoker's /var/mail mailbox when it is
# missing, whatever ORGMAIL says.  So it runs from a copy (no set-id bits) and,
# when we are root, as nobody; as another user we refuse to run it if that
# user could write /var/mail.
. "$MAILROOM_SRC/tests/lib.sh"

PEER="$MAILROOM_PEERS/procmail/usr/bin/procmail"
DRIVER="$MAILROOM_BUILD/filters/procmail-folder-driver"
[ -x "$PEER" ] || fail "Debian's procmail is missing ($PEER): run scripts/fetch-peers.sh"
[ -x "$DRIVER" ] || fail "the driver is missing ($DRIVER): build target procmail-folder-driver"

chmod 755 "$T"
mkdir "$T/bin" "$T/rc" "$T/in"
cp "$PEER" "$T/bin/procmail"
cp "$DRIVER" "$T/bin/driver"
if [ "$(id -u)" = 0 ]; then
    AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    own() { chown -R 65534:65534 "$@"; }
else
    [ -w /var/mail ] && { echo "SKIP: /var/mail is writable by $(id -un); Debian's procmail would create a mailbox there"; exit 0; }
    AS=()
    own() { :; }
fi

# --- inputs (the byte cases of reference §1.8 and E13)
printf 'From a@b  Mon Jan  6 10:00:00 2025\nSubject: x\nFrom b@c  hdr\n\nFrom body start\nmid\nFrom here\n>From there\nFromage\nFrom\n' > "$T/in/esc"
printf 'From a@b  x\n>From c@d  y\n>From e\nSubject: s\nFrom x\n\nbody\nFrom y\nend' > "$T/in/fromlines"
printf 'Subject: no From_ line\n\nbody\nFrom here\n' > "$T/in/nofrom"
printf '\n\nFrom a@b  x\nSubject: leading newlines\n\nFrom body\n' > "$T/in/leading"
cl() { printf "From a@b  Mon Jan  6 10:00:00 2025\nContent-Length:$1\nSubject: x\n\nline1\nFrom here\n$2"; }
cl ' 99999' '' > "$T/in/cl_fits"
cl ' 3' '' > "$T/in/cl_space"
cl '' '' > "$T/in/cl_empty"
cl ' 16' '\n' > "$T/in/cl_blankend"
cl ' 99999' 'x' > "$T/in/cl_nonl"
cl ' 123456789012345678901234567890' '' > "$T/in/cl_long"
printf "From a@b  x\nContent-Length: 1\nSubject: x\n\n%s\nFrom a\nFrom b\n" \
    "$(for i in $(seq 1 12); do printf 'line%02d...\n' "$i"; done)" > "$T/in/cl_nofit"
printf 'From a@b  x\ncontent-length: 5\n\nFrom first\nFrom second\n' > "$T/in/cl_case"
printf 'From a@b  x\nContent-Length: 5\n' > "$T/in/cl_nobody"
printf 'a\n\n' > "$T/in/end2"; printf 'a\n' > "$T/in/end1"; printf 'a' > "$T/in/end0"; : > "$T/in/empty"
python3 -c "
import sys
sys.stdout.write('From a@b  x\nSubject: big\n\n' + ''.join('line %04d xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n' % i for i in range(60)))" > "$T/in/big"

# Unique names differ between runs; so do inode-based names.  For a plain
# directory procmail's "Couldn't create or rename temp file \"dir/…\"" shows
# stale bytes of its buffer after "dir/"; only "dir/" is compared.
normalise() {
    sed -E -e 's/[0-9]+\.[0-9]+_[0-9]+\.[^/" ]+/NAME/g' -e 's/_[A-Za-z0-9_-]+[.,+%]+[A-Za-z0-9_-]+\.[^/" ]+/TEMP/g' \
        -e 's/(msg\.|x-)[A-Za-z0-9_-]+/MSG/g' -e 's/^(procmail: Couldn.t create or rename temp file "[^/"]+\/)[^".][^"]*"$/\1"/'
}
# "path mode links size" of every file and directory, normalised, sorted.
tree() {
    (cd "$1" && find . -mindepth 1 ! -name .out ! -name .err ! -name .log ! -name '*.lock' \
        -printf '%p\t%M\t%n\t%s\n' | while IFS=$'\t' read -r p m n s; do
            [ "${m:0:1}" = d ] && s=-   # directory sizes are not ours to compare
            echo "$p $m $n $s"
        done | normalise | sort)
}
contents() {
    (cd "$1" && find . -type f ! -name .out ! -name .err ! -name .log ! -name '*.lock' | sort |
        while read -r f; do echo "== $f" | normalise; od -An -c "$f"; done) | normalise
}

# case NAME INPUT FLAGS "SETUP" [ENV=… for both] -- FOLDER... [+ FOLDER...]...
#   Each "+" starts another recipe with the same FLAGS (all but the last
#   get `c`).  FLAGS are recipe flags (h, b, r; ':' takes the dotlock);
#   SETUP runs in both directories first (as root, then handed over).
case_() {
    local name=$1 input=$2 flags=$3 setup=$4
    shift 4
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    local recipes=() cur=""
    while [ $# -gt 0 ]; do
        if [ "$1" = + ]; then recipes+=("$cur"); cur=""; else cur+="${cur:+ }$1"; fi
        shift
    done
    recipes+=("$cur")
    local p="$T/$name.peer" o="$T/$name.ours"
    mkdir "$p" "$o"
    (cd "$p" && eval "$setup")
    (cd "$o" && eval "$setup")
    own "$p" "$o"
    local lockflag="" dflags=() umask_=077 v pre=() i
    [ -n "${ULIMIT:-}" ] && pre=(bash -c "ulimit -f $ULIMIT; exec \"\$0\" \"\$@\"")
    case $flags in *:*) lockflag=":" ;; esac
    case $flags in *r*) dflags+=(-r) ;; esac
    case $flags in *h*b* | *b*h*) ;; *h*) dflags+=(-h) ;; *b*) dflags+=(-b) ;; esac
    {
        echo LOGABSTRACT=all
        for v in "${envs[@]}"; do echo "$v"; done
        for i in "${!recipes[@]}"; do
            c=c; [ "$i" = $((${#recipes[@]} - 1)) ] && c=
            printf ':0 %s%s%s\n%s\n' "${flags//:/}" "$c" "$lockflag" "${recipes[$i]}"
        done
    } > "$T/rc/$name"
    for v in "${envs[@]}"; do
        case $v in UMASK=*) umask_=${v#UMASK=} ;; MSGPREFIX=*) dflags+=(-p "${v#MSGPREFIX=}") ;; esac
    done
    # procmail falls back to DEFAULT when the last recipe fails: /dev/null,
    # so the fallback writes nothing and logs nothing but its abstract.
    (cd "$p" && env -i PATH=/usr/bin:/bin "${pre[@]}" "${AS[@]}" "$T/bin/procmail" "$T/rc/$name" \
        DEFAULT=/dev/null ORGMAIL=/dev/null MAILDIR="$p" LOGFILE="$p/.log" < "$T/in/$input" 2>/dev/null)
    local ours=() last_ok=0 words
    : > "$o/.err"
    for i in "${!recipes[@]}"; do
        read -r -a words <<< "${recipes[$i]}"
        local lk=()
        [ -n "$lockflag" ] && lk=(-L "${words[0]}.lock")
        if (cd "$o" && env -i PATH=/usr/bin:/bin "${envs[@]}" "${pre[@]}" "${AS[@]}" \
            "$T/bin/driver" -u "$umask_" "${dflags[@]}" "${lk[@]}" "${words[@]}" < "$T/in/$input" \
            > "$o/.out" 2>> "$o/.err"); then
            ours+=("$(sed -n 's/^LASTFOLDER=//p' "$o/.out")	$(sed -n 's/^BYTES=//p' "$o/.out")")
            last_ok=1
        else
            last_ok=0
        fi
    done

    local got want
    want=$(tree "$p"); got=$(tree "$o")
    [ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got") >&2; fail "$name: folder tree differs (< procmail, > ours)"; }
    want=$(contents "$p"); got=$(contents "$o")
    [ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got") >&2; fail "$name: folder bytes differ (< procmail, > ours)"; }
    # Diagnostics: procmail's log without the abstracts.
    want=$(grep '^procmail: ' "$p/.log" | normalise)
    got=$(normalise < "$o/.err")
    [ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got") >&2; fail "$name: diagnostics differ (< procmail, > ours)"; }
    # What procmail delivered is in its abstracts (folder cut to 60 bytes,
    # size), one per successful recipe; a last "/dev/null" after a failed
    # last recipe is its fallback.
    local theirs=()
    while IFS= read -r v; do
        theirs+=("$(printf '%s' "$v" | sed -E 's/^  Folder: //; s/\t+ *([0-9]+)$/\t\1/')")
    done < <(grep '^  Folder: ' "$p/.log")
    local n=${#theirs[@]}
    if [ "$last_ok" = 0 ] && [ "$n" -gt 0 ] && [ "${theirs[$((n - 1))]%%	*}" = /dev/null ] &&
        [ "${#ours[@]}" -lt "$n" ]; then
        unset "theirs[$((n - 1))]"
    fi
    expect_eq "${#ours[@]}" "${#theirs[@]}" "$name: deliveries made (ours: ${ours[*]:-none}; procmail: ${theirs[*]:-none})"
    for i in "${!ours[@]}"; do
        local tf=${theirs[$i]%%	*} ts=${theirs[$i]##*	} of=${ours[$i]%%	*} os=${ours[$i]##*	}
        expect_eq "$os" "$ts" "$name: size of delivery $i"
        local cut=${#tf}
        of=$(printf '%s\n' "$of" | normalise); tf=$(printf '%s\n' "$tf" | normalise)
        [ "$cut" -ge 60 ] && of=${of:0:${#tf}}
        expect_eq "$of" "$tf" "$name: LASTFOLDER of delivery $i"
    done
    ok
}

# 1. Bytes: every input, each part flag, to an (old) mbox, a Maildir and MH.
for input in esc fromlines nofrom leading cl_fits cl_space cl_empty cl_blankend cl_nonl cl_long cl_nofit \
    cl_case cl_nobody end2 end1 end0 empty; do
    for flags in "" h b r hr; do
        case_ "bytes_${input}_${flags:-none}" "$input" "$flags" ': > box; touch -d "1 hour ago" box' -- \
            box + md/ + mh/.
    done
done
case_ berkeley_flag cl_nofit "" ': > box; touch -d "1 hour ago" box' -- box  # driver without -Y: rewrite
case_ plain_dir esc "" 'mkdir pd' -- pd
case_ plain_dir_prefix esc "" 'mkdir pd' MSGPREFIX=x- -- pd

# 2. Several names: the first decides the format, the others are links.
case_ multi_mh_first fromlines "" 'mkdir multi2' -- multi1/. multi2 multi3/ multi4/.
case_ multi_maildir_first fromlines "" '' -- m5/ m6/. m7
case_ multi_file_first esc "" '' -- box box2 box3
case_ devnull esc "" '' -- /dev/null
case_ devnull_more esc h '' -- /dev/null box5
case_ mh_numbers esc "" 'mkdir mh; touch mh/+7 mh/007 "mh/ 9" mh/5x mh/-20' -- mh/.
case_ slashes esc "" '' -- md2// mh2//.

# 3. New files and the o+x new-mail flag.
case_ new_mbox esc "" '' -- newbox
case_ umask022 esc "" 'echo x > old; chmod 644 old; touch -d "1 hour ago" old; mkdir od md md/new md/cur md/tmp
        chmod 750 od; chmod -R 700 md' \
    UMASK=022 -- old od md/
case_ umask022_links esc "" 'mkdir -p sec/new sec/cur sec/tmp sec2; chmod -R 700 sec sec2' UMASK=022 -- mh/. sec/ sec2
case_ umask023 esc "" 'echo x > old; chmod 644 old; touch -d "1 hour ago" old' UMASK=023 -- old
case_ umask022_new esc "" '' UMASK=022 -- nb
case_ umask022_newdirs esc "" '' UMASK=022 -- nmd/ nmh/.

# 4. Names that cannot be what they say.
case_ file_not_maildir esc "" 'echo x > afile; touch -d "1 hour ago" afile' -- afile/
case_ file_not_mh esc "" 'echo x > afile; touch -d "1 hour ago" afile' -- afile/.
case_ devnull_slash esc "" '' -- /dev/null/
case_ missing_parent_maildir esc "" '' -- nodir/md/ x
case_ missing_parent_file esc "" '' -- nodir/box
case_ maildir_sub_is_file esc "" 'mkdir md; touch md/new' -- md/
case_ link_to_a_file esc "" 'mkdir pd; echo x > afile' -- pd afile box4/.

# 5. Symbolic links are followed (procmail runs as the folder's owner).
case_ symlink_file esc "" 'mkdir t; echo old > t/f; touch -d "1 hour ago" t/f; ln -s t/f link1' -- link1
case_ symlink_dangling esc "" 'mkdir t; ln -s t/new dangling' -- dangling
case_ symlink_dir esc "" 'mkdir -p t/dir; ln -s t/dir linkdir' -- linkdir
case_ symlink_dangling_maildir esc "" 'mkdir t; ln -s t/md linkmd' -- linkmd/

# 6. Directories we may not write (nobody when we are root).
ro='mkdir -p ro romh rodir romd/new romd/cur romd/tmp; chmod 555 ro romh rodir romd/tmp'
case_ ro_file esc "" "$ro" -- ro/box
case_ ro_maildir esc "" "$ro" -- romd/
case_ ro_mh esc "" "$ro" -- romh/.
case_ ro_dir esc "" "$ro" -- rodir
case_ ro_subdir esc "" "$ro" -- ro/sub/
case_ ro_lock esc ":" "$ro" -- ro/box2

# 7. A full disk (a 1 KiB file size limit): the mbox is cut back.
ULIMIT=1 case_ full_mbox big "" 'printf "old content\n\n" > box; touch -d "1 hour ago" box' -- box
ULIMIT=1 case_ full_maildir big "" '' -- md/

# 8. The dotlock: an old lock is forced, a fresh one would be waited for.
case_ lock_forced esc ":" ': > box; echo 0 > box.lock; touch -d "1 hour ago" box box.lock' LOCKTIMEOUT=5 SUSPEND=0 -- box

# Deliberate difference: a failed write to MH leaves nothing (procmail leaves
# a partial numbered message).  Ours only.
mkdir "$T/mhfull"; own "$T/mhfull"
(cd "$T/mhfull" && bash -c 'ulimit -f 1; exec "$0" "$@"' "${AS[@]}" "$T/bin/driver" mh/. < "$T/in/big" \
    > .out 2> .err) && fail "mhfull: a write beyond the size limit succeeded"
expect_eq "$(ls -A "$T/mhfull/mh")" "" "mhfull: files left in the MH folder"
expect_contains "$T/mhfull/.err" 'procmail: Error while writing to "mh/_'

finish
