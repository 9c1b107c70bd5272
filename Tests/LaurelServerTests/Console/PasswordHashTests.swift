import Foundation
@testable import LaurelServer
import Testing

/// Staff password hashing: PBKDF2-HMAC-SHA256 per RFC 7914's test vectors, salted, self-describing.
struct PasswordHashTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func pbkdf2MatchesRFC7914TestVectors() throws {
        #expect(Self.hex(try PasswordHash.derive(Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1, bytes: 64))
                == "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
        #expect(Self.hex(try PasswordHash.derive(Array("Password".utf8), salt: Array("NaCl".utf8), iterations: 80_000, bytes: 64))
                == "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d")
    }

    @Test func aHashVerifiesItsPasswordOnly() throws {
        let stored = try PasswordHash.make("correct horse battery")
        #expect(stored.hasPrefix("pbkdf2-sha256$600000$"))
        #expect(PasswordHash.verify("correct horse battery", against: stored))
        #expect(!PasswordHash.verify("correct horse batterx", against: stored))
        #expect(!PasswordHash.verify("", against: stored))
        // Salted: the same password hashes differently each time.
        #expect(try PasswordHash.make("correct horse battery") != stored)
        #expect(!PasswordHash.needsRehash(stored))
    }

    @Test func theIterationCountTravelsWithTheHashAndCanBeRaised() throws {
        let older = try PasswordHash.make("correct horse battery", iterations: 210_000)
        #expect(older.hasPrefix("pbkdf2-sha256$210000$"))
        #expect(PasswordHash.verify("correct horse battery", against: older))
        #expect(PasswordHash.needsRehash(older))
    }

    @Test func malformedOrWeakStoredStringsNeverVerify() throws {
        let stored = try PasswordHash.make("correct horse battery")
        let parts = stored.split(separator: "$").map(String.init)
        for bad in ["", "plain", "pbkdf2-sha256$1000$\(parts[2])$\(parts[3])", "md5$600000$\(parts[2])$\(parts[3])",
                    "pbkdf2-sha256$600000$\(parts[2])$AAAA", "pbkdf2-sha256$600000$$\(parts[3])"] {
            #expect(!PasswordHash.verify("correct horse battery", against: bad), "\(bad)")
        }
    }

    @Test func constantTimeComparisonComparesWholeArrays() {
        #expect(PasswordHash.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!PasswordHash.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!PasswordHash.constantTimeEqual([1, 2, 3], [1, 2]))
    }
}
