"""ISO 4217 currencies a payment may be made in, with their minor units (decimal places).

Source: ISO 4217 List One (current currency and funds codes) as published by SIX, the maintenance
agency, on 2026-01-01: every code whose minor unit is a number (0, 2, 3 or 4), funds codes included
(BOV, CHE, CHW, COU, MXV, USN: 2; CLF, UYW: 4; UYI: 0) and the Arab Accounting Dinar XAD (2).
Left out: the codes whose minor unit is "N.A." (precious metals XAG, XAU, XPD, XPT; the bond-market
units XBA, XBB, XBC, XBD; XDR, XSU, XUA; the testing code XTS; "no currency" XXX), and withdrawn codes
(e.g. ANG, replaced by XCG; CUC; HRK; SLL; ZWL).

A literal table: the Lambda package depends on nothing but the standard library and boto3.
lambda/tests/test_payment_currencies.py compares it with the ``iso4217`` package (SIX's table.xml).
"""

from types import MappingProxyType

# minor units -> the active codes with that many decimal places, alphabetical
_CODES_BY_MINOR_UNITS = {
    0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    2: (
        "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE "
        "CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD "
        "HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK "
        "MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD "
        "RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH "
        "USD USN UYU UZS VED VES WST XAD XCD XCG YER ZAR ZMW ZWG"
    ),
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",
}

#: minor units -> the codes that have them (sorted), e.g. CODES_BY_MINOR_UNITS[3] == ("BHD", ..., "TND")
CODES_BY_MINOR_UNITS = MappingProxyType(
    {places: tuple(sorted(codes.split())) for places, codes in sorted(_CODES_BY_MINOR_UNITS.items())}
)

#: Active ISO 4217 alphabetic code -> number of minor units (decimal places) of the currency.
MINOR_UNITS = MappingProxyType({code: places for places, codes in CODES_BY_MINOR_UNITS.items() for code in codes})


def minor_units(code: str) -> int | None:
    """Decimal places of an active currency, or None when ``code`` is not one."""
    return MINOR_UNITS.get(code)
