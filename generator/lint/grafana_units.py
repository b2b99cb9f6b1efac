"""Grafana's unit ids: what a panel's `unit` (or a legacy graph's y-axis `format`) may name.

An id Grafana does not know is not an error on screen: it is shown as a literal suffix
("0.25 secs"), so the value is never scaled (no "250 ms") and the unit picker shows it as
custom. The list is Grafana's (packages/grafana-data/src/valueFormats/categories.ts, grafana/grafana
@ ed1aac226b3bd196012053975b4072fb2b91fd4a), with the custom-unit prefixes its getValueFormat
understands (valueFormats.ts: `suffix:`, `prefix:`, `si:`, `count:`, `currency:`, `time:`, `bool:`).
"""

from __future__ import annotations

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
