// zlib (Debian: zlib1g-dev), for the outcomes events store deflated (LaurelStore/Records/PackedOutcome.swift).
#include <zlib.h>
