"""Grafana's unit ids: what a panel's `unit` (or a legacy graph's y-axis `format`) may name.

An id Grafana does not know is not an error on screen: it is shown as a literal suffix
("0.25 secs"), so the value is never scaled (no "250 ms") and the unit picker shows it as
custom. The list is Grafana's (packages/grafana-data/src/valueFormats/categories.ts, grafana/grafana
@ ed1aac226b3bd196012053975b4072fb2b91fd4a), with the custom-unit prefixes its getValueFormat
understands (valueFormats.ts: `suffix:`, `prefix:`, `si:`, `count:`, `currency:`, `time:`, `bool:`).
"""

from __future__ import annotations

import difflib
from collections import Counter

UNITS = frozenset("""
none string short percent percentunit humidity dB hex0x hex sci locale pixel
accMS2 accFS2 accG
degree radian grad arcmin arcsec
areaM2 areaF2 areaMI2
flops mflops gflops tflops pflops eflops zflops yflops
ppm conppb conngm3 conngNm3 conμgm3 conμgNm3 conmgm3 conmgNm3 congm3 congNm3 conmgdL conmmolL
currencyUSD currencyGBP currencyEUR currencyJPY currencyRUB currencyUAH currencyBRL currencyDKK currencyISK
currencyNOK currencySEK currencyCZK currencyCHF currencyPLN currencyBTC currencymBTC currencyμBTC currencyZAR
currencyINR currencyKRW currencyIDR currencyPHP currencyVND currencyTRY
bytes decbytes bits decbits kbytes deckbytes mbytes decmbytes gbytes decgbytes tbytes dectbytes pbytes decpbytes
pps binBps Bps binbps bps KiBs Kibits KBs Kbits MiBs Mibits MBs Mbits GiBs Gibits GBs Gbits TiBs Tibits TBs Tbits
PiBs Pibits PBs Pbits
dateTimeAsIso dateTimeAsIsoNoDateIfToday dateTimeAsUS dateTimeAsUSNoDateIfToday dateTimeAsLocal
dateTimeAsLocalNoDateIfToday dateTimeAsSystem dateTimeFromNow
watt kwatt megwatt gwatt mwatt Wm2 voltamp kvoltamp voltampreact kvoltampreact watth watthperkg kwatth kwattm amph
kamph mamph joule ev amp kamp mamp volt kvolt mvolt dBm ohm kohm Mohm farad µfarad nfarad pfarad ffarad henry
mhenry µhenry lumens
flowgpm flowcms flowcfs flowcfm litreh flowlpm flowmlpm lux
forceNm forcekNm forceN forcekN
Hs KHs MHs GHs THs PHs EHs
massmg massg masslb masskg masst
lengthmm lengthin lengthft lengthm lengthkm lengthmi
pressurembar pressurebar pressurekbar pressurepa pressurehpa pressurekpa pressurehg pressurepsi
radbq radci radgy radrad radsv radmsv radusv radrem radexpckg radr radsvh radmsvh radusvh
rotrpm rothz rotrads rotdegs
celsius fahrenheit kelvin
hertz ns µs ms s m h d dtdurationms dtdurations dthms dtdhms timeticks clockms clocks
cps ops reqps rps wps iops eps mps recps rowsps cpm opm reqpm rpm wpm epm mpm recpm rowspm
velocityms velocitykmh velocitymph velocityknot
mlitre litre m3 Nm3 dm3 gallons
bool bool_yes_no bool_on_off
farenheit
""".split())  # the last: an old id valueFormats.ts still resolves (to fahrenheit)

#: prefixes of custom units (`suffix:req`, `currency:CHF`, `time:HH:mm`)
CUSTOM_PREFIXES = ("suffix:", "prefix:", "si:", "count:", "currency:", "time:", "bool:")


def is_known_unit(unit: str) -> bool:
    """Whether Grafana formats values with `unit` (a variable reference is given the benefit of the doubt)."""
    return unit in UNITS or unit.startswith(CUSTOM_PREFIXES) or "$" in unit


#: how people spell, as a custom unit, what one of Grafana's unit ids already is (lower case,
#: blanks removed): such a unit is shown as a literal suffix and never scaled, where its id scales
#: (250 ms, 1.2 MB, 3.4K req/s). Ids from categories.ts; the decimal byte ids for kB/MB/GB, the
#: binary ones for KiB/MiB/GiB, as Grafana names them
_SPELLED = {
    **dict.fromkeys(("sec", "secs", "second", "seconds"), "s"),
    **dict.fromkeys(("msec", "msecs", "millis", "millisecond", "milliseconds"), "ms"),
    **dict.fromkeys(("us", "usec", "usecs", "microsecond", "microseconds"), "µs"),
    **dict.fromkeys(("nsec", "nsecs", "nanosecond", "nanoseconds"), "ns"),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), "m"),
    **dict.fromkeys(("hr", "hrs", "hour", "hours"), "h"),
    **dict.fromkeys(("day", "days"), "d"),
    "byte": "bytes", "bit": "bits",
    **dict.fromkeys(("kb", "kilobyte", "kilobytes"), "deckbytes"), **dict.fromkeys(("kib", "kibibytes"), "kbytes"),
    **dict.fromkeys(("mb", "megabyte", "megabytes"), "decmbytes"), **dict.fromkeys(("mib", "mebibytes"), "mbytes"),
    **dict.fromkeys(("gb", "gigabyte", "gigabytes"), "decgbytes"), **dict.fromkeys(("gib", "gibibytes"), "gbytes"),
    **dict.fromkeys(("tb", "terabyte", "terabytes"), "dectbytes"), **dict.fromkeys(("tib", "tebibytes"), "tbytes"),
    **dict.fromkeys(("%", "pct", "percentage"), "percent"),
    **dict.fromkeys(("ops/s", "ops/sec", "op/s"), "ops"),
    **dict.fromkeys(("req/s", "req/sec", "reqs/s", "requests/s", "requests/sec"), "reqps"),
    **dict.fromkeys(("reads/s", "read/s", "reads/sec"), "rps"),
    **dict.fromkeys(("writes/s", "write/s", "writes/sec"), "wps"),
    **dict.fromkeys(("io/s", "ios/s"), "iops"),
    **dict.fromkeys(("events/s", "events/sec"), "eps"),
    **dict.fromkeys(("messages/s", "msg/s", "msgs/s"), "mps"),
    **dict.fromkeys(("records/s", "records/sec"), "recps"),
    **dict.fromkeys(("rows/s", "rows/sec"), "rowsps"),
    **dict.fromkeys(("count/s", "counts/s"), "cps"),
    **dict.fromkeys(("byte/s", "bytes/s", "bytes/sec", "byte/sec"), "Bps"), **dict.fromkeys(("bit/s", "bits/s"), "bps"),
    **dict.fromkeys(("kb/s", "kbyte/s", "kbytes/s"), "KBs"), **dict.fromkeys(("mb/s", "mbyte/s", "mbytes/s"), "MBs"),
    **dict.fromkeys(("gb/s", "gbyte/s", "gbytes/s"), "GBs"), "kib/s": "KiBs", "mib/s": "MiBs", "gib/s": "GiBs",
    **dict.fromkeys(("kbps", "kbit/s"), "Kbits"), **dict.fromkeys(("mbps", "mbit/s"), "Mbits"),
    **dict.fromkeys(("gbps", "gbit/s"), "Gbits"),
    **dict.fromkeys(("celcius", "°c", "degc"), "celsius"), "°f": "fahrenheit",
}
#: a known id written in another case (`Bytes`, `MS`), where that case is the only difference
#: between it and one id (not `BPS`: Bps is bytes/s, bps bits/s)
_LOWERED = Counter(unit.lower() for unit in UNITS)
_BY_LOWER = {unit.lower(): unit for unit in UNITS if _LOWERED[unit.lower()] == 1}
#: how alike a unit must be to an id to be its typo (`percentunits`, `reqsps`): a custom unit of
#: its own (`connections`, `bpm`) is nowhere near one
_TYPO_CUTOFF = 0.88


def spelled_unit(unit: str) -> str | None:
    """The id of Grafana's that an unknown `unit` spells (`secs` → s, `megabytes` → decmbytes,
    `Bytes` → bytes, `bps ` → bps, `percentunits` → percentunit), or None: a custom unit of its
    own (`connections`, `items/sec`), which Grafana's unit picker saves as typed ("Custom unit:
    connections") and shows as a suffix."""
    if unit.strip() in UNITS:
        return unit.strip()
    key = "".join(unit.lower().split())
    found = _BY_LOWER.get(key) or _SPELLED.get(key)
    if found is None:
        close = difflib.get_close_matches(key, _BY_LOWER, n=1, cutoff=_TYPO_CUTOFF)
        found = _BY_LOWER[close[0]] if close else None
    return found
