"""ISO 4217 currencies a payment may be made in, with their minor units (decimal places).

Source: ISO 4217 List One (current currency and funds codes) as published by SIX, the maintenance
agency, on 2026-01-01. Withdrawn codes are absent (e.g. ANG, replaced by XCG; CUC; HRK; SLL; ZWL).

Left out on purpose: codes that are not money one pays with, i.e. funds codes (BOV, CHE, CHW, CLF,
COU, MXV, USN, UYI, UYW), units of account (XAD, XDR, XSU, XUA, XBA, XBB, XBC, XBD), precious metals
(XAG, XAU, XPD, XPT), and the testing and "no currency" codes (XTS, XXX).
"""

from types import MappingProxyType

_ZERO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"
_THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND"
_TWO_DECIMALS = (
    "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF "
    "CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL "
    "HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT "
    "MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB "
    "SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS "
    "UAH USD UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"
)


def _table() -> dict[str, int]:
    table: dict[str, int] = {}
    for minor_units, codes in ((0, _ZERO_DECIMALS), (2, _TWO_DECIMALS), (3, _THREE_DECIMALS)):
        for code in codes.split():
            table[code] = minor_units
    return table


#: Active ISO 4217 alphabetic code -> number of minor units (decimal places) of the currency.
MINOR_UNITS = MappingProxyType(_table())


def minor_units(code: str) -> int | None:
    """Decimal places of an active currency, or None when ``code`` is not one."""
    return MINOR_UNITS.get(code)
