# The deploy environment's hardware facts (sourced by scripts/deploy-env/init; POSIX sh and
# busybox, so it also runs on any Linux host: `. facts.sh; facts_json`). `facts_json` prints one
# JSON document, version 1, that provisiond decodes strictly (Sources/Model/HardwareFacts*.swift):
#   system {vendor, product, serial, uuid}   DMI, as the kernel exports it (/sys/class/dmi/id;
#                                            null where the table says nothing)
#   firmware {mode: uefi|bios, secure_boot: true|false|null}
#   cpu {model, sockets, cores, threads}     sysfs topology: packages, distinct cores, logical CPUs
#   memory {total_bytes}                     what the kernel manages (MemTotal)
#   disks [{name, path, by_id, size_bytes, model, serial, rotational, removable, transport,
#           partition_table}]
#   nics [{name, mac, driver, link, speed_mbps}]
# Set FACTS_SYS=/some/root to read a copy of /sys (tests); `blkid` is optional.
#
# Written to start almost no process: each `$(…)` forks the shell and each external program is
# an exec, and under an emulated CPU (QEMU's TCG) the first version's ~200 forks and ~90 execs
# took 12 s of a deploy. Values are read with `read` and built in variables: the functions set
# `json` (or another variable named below) instead of printing. Only blkid (one per disk) and,
# for SCSI disks without a serial file, the VPD page's tail run as programs.

FACTS_SYS=${FACTS_SYS:-/sys}

# file_line VAR FILE: VAR = FILE's first line, or empty when it cannot be read.
file_line() {
    eval "$1="
    [ -r "$2" ] || return 0
    IFS= read -r "$1" < "$2" 2>/dev/null || true
}

# trim VAR: strips VAR's leading and trailing spaces (firmware strings are padded with them).
trim() {
    eval "trim_value=\$$1"
    trim_value=${trim_value#"${trim_value%%[! ]*}"}
    trim_value=${trim_value%"${trim_value##*[! ]}"}
    eval "$1=\$trim_value"
}

# json_string VALUE: json = VALUE as a JSON string, or null when empty. Control characters are
# dropped, then the value trimmed; backslashes and quotes escaped (RFC 8259 §7).
json_string() {
    rest=$1
    json_text=""
    while [ -n "$rest" ]; do
        char=${rest%"${rest#?}"}
        rest=${rest#?}
        case "$char" in
            [[:cntrl:]]) ;;
            \\|\") json_text="$json_text\\$char" ;;
            *) json_text="$json_text$char" ;;
        esac
    done
    trim json_text
    if [ -n "$json_text" ]; then json="\"$json_text\""; else json=null; fi
}

# json_integer VALUE: json = VALUE as a JSON number, or null when not a non-negative integer.
json_integer() {
    case "$1" in
        ''|*[!0-9]*) json=null ;;
        *) json=$1 ;;
    esac
}

# json_bool VALUE: json = true, false or null.
json_bool() {
    case "$1" in
        1|true) json=true ;;
        0|false) json=false ;;
        *) json=null ;;
    esac
}

# dmi_field NAME: json = the DMI string /sys/class/dmi/id/NAME as JSON. "Not Specified" and the
# like carry no information.
dmi_field() {
    file_line dmi_value "$FACTS_SYS/class/dmi/id/$1"
    trim dmi_value
    case "$dmi_value" in
        'Not Specified'|'Not Present'|'To Be Filled By O.E.M.'|'Default string'|'None') dmi_value="" ;;
    esac
    json_string "$dmi_value"
}

facts_system() {
    dmi_field sys_vendor; vendor=$json
    dmi_field product_name; product=$json
    dmi_field product_serial; serial=$json
    # The kernel prints the UUID in lower case, in SMBIOS 2.6's byte order, as dmidecode does.
    dmi_field product_uuid; uuid=$json
    json="{\"vendor\":$vendor,\"product\":$product,\"serial\":$serial,\"uuid\":$uuid}"
}

# UEFI when the kernel was started by UEFI firmware; Secure Boot from the EFI global variable
# SecureBoot (UEFI 2.x §3.3: 4 bytes of attributes, then one byte, 1 = enabled).
facts_firmware() {
    if [ -d "$FACTS_SYS/firmware/efi" ]; then
        # Unknown unless efivars can be read; readable without a SecureBoot variable, the
        # firmware has no Secure Boot (OVMF's plain build): off.
        state=null
        efivars="$FACTS_SYS/firmware/efi/efivars"
        variable="$efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
        if [ -r "$variable" ]; then
            # Read whole: efivarfs files do not seek. The flag is the fifth byte.
            set -- $(od -An -t u1 < "$variable" 2>/dev/null)
            json_bool "${5:-}"
            state=$json
        else
            for entry in "$efivars"/*; do
                [ -e "$entry" ] && { state=false; break; }
            done
        fi
        json="{\"mode\":\"uefi\",\"secure_boot\":$state}"
    else
        json='{"mode":"bios","secure_boot":null}'
    fi
}

facts_cpu() {
    model=""
    while IFS= read -r line; do
        case "$line" in
            'model name'*) model=${line#*:}; break ;;
        esac
    done < /proc/cpuinfo
    threads=0
    sockets=0
    core_count=0
    packages=" "
    cores=" "
    for cpu in "$FACTS_SYS"/devices/system/cpu/cpu[0-9]*; do
        [ -d "$cpu/topology" ] || continue
        threads=$((threads + 1))
        file_line package "$cpu/topology/physical_package_id"
        file_line core "$cpu/topology/core_id"
        case "$packages" in *" $package "*) ;; *) [ -z "$package" ] || { packages="$packages$package "; sockets=$((sockets + 1)); } ;; esac
        case "$cores" in *" $package:$core "*) ;; *) cores="$cores$package:$core "; core_count=$((core_count + 1)) ;; esac
    done
    json_string "$model"
    json="{\"model\":$json,\"sockets\":$sockets,\"cores\":$core_count,\"threads\":$threads}"
}

facts_memory() {
    kib=""
    while read -r key value unit; do
        [ "$key" = "MemTotal:" ] && { kib=$value; break; }
    done < /proc/meminfo
    json_integer "$kib"
    [ "$json" = null ] || json=$((kib * 1024))
    json="{\"total_bytes\":$json}"
}

# real_path VAR PATH: VAR = PATH with every symbolic link resolved (readlink -f), or empty.
real_path() {
    eval "$1="
    real_from=$PWD
    cd -P "$2" 2>/dev/null || return 0
    eval "$1=\$PWD"
    cd "$real_from" || true
}

# How the disk is attached, from its place in the device tree: transport = usb, nvme, …
disk_transport() {
    real_path device_path "$FACTS_SYS/block/$1"
    case "$device_path" in
        */usb*) transport=usb ;;
        */nvme*) transport=nvme ;;
        */ata[0-9]*) transport=sata ;;
        */virtio*) transport=virtio ;;
        */host[0-9]*) transport=scsi ;;
        *) transport="" ;;
    esac
}

# disk_serial NAME: serial = the disk's serial number, trimmed, or empty.
disk_serial() {
    serial=""
    for file in "$FACTS_SYS/block/$1/serial" "$FACTS_SYS/block/$1/device/serial"; do
        [ -r "$file" ] && { file_line serial "$file"; trim serial; return; }
    done
    # SCSI and libata disks: the unit serial number VPD page (SPC-4 §7.8.18; 4-byte header).
    if [ -r "$FACTS_SYS/block/$1/device/vpd_pg80" ]; then
        serial=$(tail -c +5 "$FACTS_SYS/block/$1/device/vpd_pg80" | tr -d '\000')
        trim serial
    fi
}

# underscored VAR [each]: VAR's runs of spaces become one underscore each (with `each`, every
# space one underscore).
underscored() {
    eval "under_rest=\$$1"
    under_text=""
    while [ -n "$under_rest" ]; do
        case "$under_rest" in
            ' '*)
                under_text="${under_text}_"
                if [ "${2:-}" = each ]; then under_rest=${under_rest#?}; else under_rest=${under_rest#"${under_rest%%[! ]*}"}; fi ;;
            *) under_text="$under_text${under_rest%"${under_rest#?}"}"; under_rest=${under_rest#?} ;;
        esac
    done
    eval "$1=\$under_text"
}

# The names udev's 60-persistent-storage.rules would give the disk under /dev/disk/by-id (the
# environment has no udev): BUS-MODEL_SERIAL with spaces as underscores, virtio-SERIAL.
# disk_by_id TRANSPORT MODEL SERIAL: json = a JSON array of them.
disk_by_id() {
    json='[]'
    [ -n "$3" ] || return 0
    joined="$2_$3"
    trim joined
    underscored joined
    id_serial=$3
    underscored id_serial each
    case "$1" in
        virtio) id="virtio-$id_serial" ;;
        sata) id="ata-$joined" ;;
        nvme) id="nvme-$joined" ;;
        usb) id="usb-$joined" ;;
        scsi) id="scsi-$joined" ;;
        *) return 0 ;;
    esac
    json_string "/dev/disk/by-id/$id"
    json="[$json]"
}

# disk_partition_table NAME: table = gpt, dos, … (blkid probing the device itself), or empty.
disk_partition_table() {
    table=""
    command -v blkid > /dev/null 2>&1 || return 0
    table=$(blkid -p -o value -s PTTYPE "/dev/$1" 2>/dev/null)
    table=${table%%"
"*}
}

facts_disks() {
    disks=""
    for path in "$FACTS_SYS"/block/*; do
        name=${path##*/}
        # Real disks only: no loop, RAM or optical devices, no device-mapper.
        case "$name" in loop*|ram*|zram*|sr*|fd*|dm-*|md*|nbd*) continue ;; esac
        [ -e "$path/device" ] || continue
        file_line model "$path/device/model"
        trim model
        disk_serial "$name"
        disk_transport "$name"
        # /sys/block/*/size counts 512-byte sectors whatever the disk's block size.
        file_line sectors "$path/size"
        file_line rotational "$path/queue/rotational"
        file_line removable "$path/removable"
        disk_partition_table "$name"
        json_string "$name"; disk="{\"name\":$json"
        json_string "/dev/$name"; disk="$disk,\"path\":$json"
        disk_by_id "$transport" "$model" "$serial"; disk="$disk,\"by_id\":$json"
        json_integer "$sectors"; [ "$json" = null ] || json=$((sectors * 512)); disk="$disk,\"size_bytes\":$json"
        json_string "$model"; disk="$disk,\"model\":$json"
        json_string "$serial"; disk="$disk,\"serial\":$json"
        json_bool "$rotational"; disk="$disk,\"rotational\":$json"
        json_bool "$removable"; disk="$disk,\"removable\":$json"
        json_string "$transport"; disk="$disk,\"transport\":$json"
        json_string "$table"; disk="$disk,\"partition_table\":$json}"
        disks="$disks${disks:+,}$disk"
    done
    json="[$disks]"
}

facts_nics() {
    nics=""
    for path in "$FACTS_SYS"/class/net/*; do
        [ -e "$path/device" ] || continue
        name=${path##*/}
        real_path driver "$path/device/driver"
        file_line address "$path/address"
        file_line carrier "$path/carrier"
        # speed is -1 (or unreadable) without a link.
        file_line speed "$path/speed"
        json_string "$name"; nic="{\"name\":$json"
        json_string "$address"; nic="$nic,\"mac\":$json"
        json_string "${driver##*/}"; nic="$nic,\"driver\":$json"
        json_bool "$carrier"; nic="$nic,\"link\":$json"
        json_integer "$speed"; nic="$nic,\"speed_mbps\":$json}"
        nics="$nics${nics:+,}$nic"
    done
    json="[$nics]"
}

facts_json() {
    version=""
    if [ -r /etc/deploy-env/VERSION ]; then
        while read -r key value; do
            [ "$key" = version ] && { version=$value; break; }
        done < /etc/deploy-env/VERSION
    fi
    json_string "$version"; document="{\"version\":1,\"environment\":$json"
    facts_system; document="$document,\"system\":$json"
    facts_firmware; document="$document,\"firmware\":$json"
    facts_cpu; document="$document,\"cpu\":$json"
    facts_memory; document="$document,\"memory\":$json"
    facts_disks; document="$document,\"disks\":$json"
    facts_nics; document="$document,\"nics\":$json"
    printf '%s}\n' "$document"
}
