# The deploy path of provisiond's deploy environment (issue 14), sourced by /init when the kernel
# command line says provisiond.mode=deploy, after the facts are reported. POSIX sh for busybox;
# it runs on any Linux host too (the tests run it against a loop device):
#
#   . deploy.sh && deploy_image SERVER MAC TOKEN
#
# 1. POST SERVER/deploy/MAC/plan: key=value lines (image, image_url, raw_bytes, raw_sha256,
#    block_bytes, ranges, mapped_bytes, sha256, disk, disk_bytes, seed_url). A refusal (409) has
#    already failed the machine on the server: nothing is written.
# 2. The planned disk must be the one the facts described: a block device of exactly disk_bytes,
#    nothing of it mounted. No other disk is ever opened for writing.
# 3. curl image_url | zstd -d: the image's mapped blocks only (its block map, `ranges`:
#    START+COUNT blocks of block_bytes). Each range goes to its offset with direct I/O (no page
#    cache: under QEMU's TCG that is 5× faster, on hardware it keeps memory free), split at every
#    tenth of the mapped blocks to post progress?percent=10..100; a refused progress (the machine
#    was reimaged or failed meanwhile) stops the write. The stream must end at exactly
#    mapped_bytes. Unmapped blocks are not written (the image's zeros: free space).
# 4. The device's buffers flushed (BLKFLSBUF), the mapped blocks read back (direct I/O): their
#    sha256 must be the plan's. Only what the image holds is hashed, not its zeros.
# 5. The partition table re-read (or read by partx where the kernel cannot); the largest ext2/3/4
#    partition holding /etc is the installed root: nocloud-seed points its cloud-init at
#    seed_url, provisiond's NoCloud URL.
# 6. POST deployed?sha256=…&disk=…, and the caller reboots.
# Any failure after the plan posts SERVER/deploy/MAC/failed with the step and the program's message
# and returns 1. Every step prints a `DEPLOY:` line. Temporary files go to $DEPLOY_TMP (/tmp);
# nocloud-seed is found in $DEPLOY_LIB (/lib/deploy-env).

deploy_say() { echo "DEPLOY: $*"; }

# deploy_post RESOURCE QUERY: POSTs to the machine's deploy route with its token; the answer
# lands in $deploy_tmp/reply, curl's complaint in $deploy_tmp/post.err.
deploy_post() {
    curl -sS --fail-with-body --max-time 60 -X POST -o "$deploy_tmp/reply" \
        "$deploy_base/$1?token=$deploy_token${2:+&$2}" 2> "$deploy_tmp/post.err"
}

# deploy_fail STEP MESSAGE: says it, reports it (text/plain, stored decoded), returns 1.
deploy_fail() {
    deploy_say "FAILED $1: $2"
    curl -sS --max-time 60 -o /dev/null -H 'Content-Type: text/plain' --data-binary "deploy $1: $2" \
        "$deploy_base/failed?token=$deploy_token" 2> /dev/null || deploy_say "could not report the failure"
    return 1
}

# One line of what a program said (its stderr file), bounded.
deploy_said() { tr '\n' ' ' < "$1" 2> /dev/null | cut -c1-400; }

# deploy_plan KEY: the value of one of the plan's key=value lines.
deploy_plan() { sed -n "s/^$1=//p" "$deploy_tmp/plan"; }

# The plan's ranges, one START+COUNT a line.
deploy_ranges() { echo "$ranges" | tr ',' '\n'; }

# deploy_progress_to DONE: posts every tenth of the $total mapped blocks that DONE blocks reach.
deploy_progress_to() {
    while [ $tenth -le 10 ] && [ "$1" -ge $(( (total * tenth + 9) / 10 )) ]; do
        deploy_post progress "percent=$((tenth * 10))&disk=$disk" \
            || { echo "progress refused: $(deploy_said "$deploy_tmp/reply") $(deploy_said "$deploy_tmp/post.err")" > "$deploy_tmp/write.err"; return 1; }
        tenth=$((tenth + 1))
    done
}

# stdin: the mapped blocks. Writes each range at its offset, in pieces that end at a tenth.
deploy_write() {
    total=$((mapped / block))
    written=0
    tenth=1
    for range in $(deploy_ranges); do
        start=${range%+*}
        count=${range#*+}
        while [ "$count" -gt 0 ]; do
            # Up to the next tenth's block, at least one block.
            piece=$(( (total * tenth + 9) / 10 - written ))
            [ $piece -lt 1 ] || [ $piece -gt "$count" ] && piece=$count
            dd of="$disk" bs="$block" seek="$start" count=$piece iflag=fullblock oflag=direct conv=notrunc 2> "$deploy_tmp/dd.err" \
                || { echo "dd at block $start: $(deploy_said "$deploy_tmp/dd.err")" > "$deploy_tmp/write.err"; return 1; }
            start=$((start + piece))
            count=$((count - piece))
            written=$((written + piece))
            deploy_progress_to $written || return 1
        done
    done
    [ $written -eq $total ] || { echo "the ranges hold $written blocks, the plan says $total" > "$deploy_tmp/write.err"; return 1; }
    deploy_progress_to $total || return 1
    # Whatever follows the mapped blocks is a stream that is not the image.
    extra=$(wc -c)
    [ "$extra" -eq 0 ] || { echo "the image stream is $extra bytes longer than its $mapped mapped bytes" > "$deploy_tmp/write.err"; return 1; }
}

# The mapped blocks as the disk holds them, in order, on stdout.
deploy_read_back() {
    for range in $(deploy_ranges); do
        dd if="$disk" bs="$block" skip="${range%+*}" count="${range#*+}" iflag=direct 2>> "$deploy_tmp/dd.err" || return 1
    done
}

# The partitions the kernel knows on $disk, by name.
deploy_partitions() {
    for part in /sys/class/block/"${disk##*/}"/*/partition; do
        [ -e "$part" ] || continue
        dir=${part%/partition}
        echo "${dir##*/}"
    done
}

# The installed system's root: the largest ext2/3/4 partition of $disk. Prints its /dev path.
deploy_root_partition() {
    best=""
    best_size=0
    for name in $(deploy_partitions); do
        type=$(blkid -p -o value -s TYPE "/dev/$name" 2> /dev/null)
        case "$type" in ext2|ext3|ext4) ;; *) continue ;; esac
        size=$(cat "/sys/class/block/$name/size")
        [ "$size" -gt "$best_size" ] && { best="/dev/$name"; best_size=$size; }
    done
    echo "$best"
}

deploy_image() {
    deploy_base="$1/deploy/$2"
    deploy_token=$3
    deploy_tmp=${DEPLOY_TMP:-/tmp}
    deploy_lib=${DEPLOY_LIB:-/lib/deploy-env}

    # 1. The plan.
    if ! curl -sS --fail-with-body --max-time 60 -X POST -o "$deploy_tmp/plan" "$deploy_base/plan?token=$deploy_token" 2> "$deploy_tmp/plan.err"; then
        deploy_say "FAILED plan: $(deploy_said "$deploy_tmp/plan") $(deploy_said "$deploy_tmp/plan.err")"
        return 1
    fi
    image=$(deploy_plan image)
    url=$(deploy_plan image_url)
    raw=$(deploy_plan raw_bytes)
    block=$(deploy_plan block_bytes)
    ranges=$(deploy_plan ranges)
    mapped=$(deploy_plan mapped_bytes)
    sha=$(deploy_plan sha256)
    disk=$(deploy_plan disk)
    disk_bytes=$(deploy_plan disk_bytes)
    seed_url=$(deploy_plan seed_url)
    # (ranges may be empty: an image of zeros.)
    for value in "$image" "$url" "$raw" "$block" "$mapped" "$sha" "$disk" "$disk_bytes" "$seed_url"; do
        [ -n "$value" ] || { deploy_fail plan "incomplete plan: $(tr '\n' ' ' < "$deploy_tmp/plan" | cut -c1-300)"; return 1; }
    done
    deploy_say "plan: image $image ($raw bytes, $mapped mapped) to $disk"

    # 2. The disk is the planned one, as the facts described it, and free.
    [ -b "$disk" ] || { deploy_fail disk "$disk is not a block device here"; return 1; }
    size=$(blockdev --getsize64 "$disk" 2> "$deploy_tmp/blockdev.err") \
        || { deploy_fail disk "blockdev --getsize64 $disk: $(deploy_said "$deploy_tmp/blockdev.err")"; return 1; }
    [ "$size" = "$disk_bytes" ] || { deploy_fail disk "$disk has $size bytes, the plan expects $disk_bytes: not the disk the facts described"; return 1; }
    if grep -q "^$disk" /proc/mounts; then deploy_fail disk "$disk is mounted: $(grep "^$disk" /proc/mounts | cut -d' ' -f1,2 | tr '\n' ' ')"; return 1; fi

    # 3. Write, with progress. pipefail: curl's or zstd's failure fails the write.
    set -o pipefail
    rm -f "$deploy_tmp/write.err"
    if ! curl -sS --fail --speed-limit 1 --speed-time 60 "$url?token=$deploy_token" 2> "$deploy_tmp/curl.err" \
            | zstd -d -c 2> "$deploy_tmp/zstd.err" | deploy_write; then
        set +o pipefail
        deploy_fail write "$(deploy_said "$deploy_tmp/write.err") curl: $(deploy_said "$deploy_tmp/curl.err") zstd: $(deploy_said "$deploy_tmp/zstd.err")"
        return 1
    fi
    set +o pipefail
    # A bigger disk's last MiB, past the image: an earlier GPT's backup header (growpart and
    # sgdisk would find it there) goes; the image's own tables are in its mapped blocks.
    end=$(( (raw + block - 1) / block * block ))
    if [ $((disk_bytes - 1048576)) -ge $end ]; then
        dd if=/dev/zero of="$disk" bs=1048576 seek=$((disk_bytes - 1048576)) count=1 oflag=seek_bytes,direct conv=notrunc 2> "$deploy_tmp/dd.err" \
            || { deploy_fail write "clearing the disk's last MiB: $(deploy_said "$deploy_tmp/dd.err")"; return 1; }
    fi
    deploy_say "written $mapped bytes of $raw to $disk"

    # 4. Verify what the disk holds, not the page cache: flush and drop the device's buffers.
    sync
    blockdev --flushbufs "$disk" 2> "$deploy_tmp/blockdev.err" \
        || { deploy_fail verify "blockdev --flushbufs $disk: $(deploy_said "$deploy_tmp/blockdev.err")"; return 1; }
    rm -f "$deploy_tmp/dd.err"
    got=$(deploy_read_back | sha256sum | cut -d' ' -f1)
    [ "$got" = "$sha" ] || { deploy_fail verify "image verification failed: wrote sha256 $got, expected $sha $(deploy_said "$deploy_tmp/dd.err")"; return 1; }
    deploy_say "verified sha256 $got"

    # 5. The new partition table, the installed root, the seed file.
    blockdev --rereadpt "$disk" 2> "$deploy_tmp/blockdev.err" \
        || { deploy_fail partitions "blockdev --rereadpt $disk: $(deploy_said "$deploy_tmp/blockdev.err")"; return 1; }
    # A kernel built without this table's parser (some VM kernels lack CONFIG_EFI_PARTITION) finds
    # none: partx reads the table itself and adds the partitions (BLKPG).
    if [ -z "$(deploy_partitions)" ]; then
        partx --add "$disk" 2> "$deploy_tmp/partx.err" \
            || { deploy_fail partitions "partx --add $disk: $(deploy_said "$deploy_tmp/partx.err")"; return 1; }
    fi
    # The kernel adds the partitions at once; their /dev nodes (devtmpfs, or udev) a moment later.
    root=""
    tries=0
    while [ -z "$root" ] && [ $tries -lt 50 ]; do
        root=$(deploy_root_partition)
        [ -n "$root" ] && [ -b "$root" ] || { root=""; tries=$((tries + 1)); usleep 100000; }
    done
    [ -n "$root" ] || { deploy_fail root "no ext2/3/4 partition on $disk: $(ls /sys/class/block/"${disk##*/}" | tr '\n' ' ')"; return 1; }
    mkdir -p "$deploy_tmp/root"
    mount -t ext4 "$root" "$deploy_tmp/root" 2> "$deploy_tmp/mount.err" \
        || { deploy_fail root "mount $root: $(deploy_said "$deploy_tmp/mount.err")"; return 1; }
    if [ ! -d "$deploy_tmp/root/etc" ]; then
        umount "$deploy_tmp/root"
        deploy_fail root "$root has no /etc: not a root file system"
        return 1
    fi
    if ! sh "$deploy_lib/nocloud-seed" "$deploy_tmp/root" "$seed_url" > "$deploy_tmp/seed.out" 2> "$deploy_tmp/seed.err"; then
        umount "$deploy_tmp/root"
        deploy_fail seed "nocloud-seed on $root: $(deploy_said "$deploy_tmp/seed.err")"
        return 1
    fi
    sync
    umount "$deploy_tmp/root" 2> "$deploy_tmp/mount.err" || { deploy_fail seed "umount $root: $(deploy_said "$deploy_tmp/mount.err")"; return 1; }
    deploy_say "seeded $root: $(deploy_said "$deploy_tmp/seed.out")"

    # 6. Done: the server moves the machine on, its next network boot gets exit.
    deploy_post deployed "sha256=$got&disk=$disk" \
        || { deploy_say "FAILED deployed: $(deploy_said "$deploy_tmp/reply") $(deploy_said "$deploy_tmp/post.err")"; return 1; }
    deploy_say "deployed $(cat "$deploy_tmp/reply")"
}
