import Foundation
import LaurelCore
import Testing

/// `cors.allowed_origins`: exactly what a browser sends in `Origin`, nothing wider.
struct CORSOriginTests {
    @Test(arguments: ["https://shop.example", "https://app.shop.example:8443", "http://localhost:3000", "http://127.0.0.1", "http://[::1]:5173",
                      "https://xn--caf-dma.example", "https://[2001:db8::1]"])
    func anOriginAsBrowsersSendItIsAccepted(origin: String) {
        #expect(CORSOrigin.read(origin) == .success(origin))
    }

    @Test func aDefaultPortIsDroppedAsBrowsersDo() {
        #expect(CORSOrigin.read("https://shop.example:443") == .success("https://shop.example"))
        #expect(CORSOrigin.read("http://localhost:80") == .success("http://localhost"))
    }

    @Test(arguments: [
        ("https://shop.example/", "path"), ("https://shop.example/app", "path"), ("https://shop.example?x=1", "path"),
        ("https://*.shop.example", "wildcard"), ("*", "wildcard"), ("HTTPS://Shop.example", "lowercase"),
        ("https://shop_1.example", "host"), ("https://shop..example", "host"), ("https://shop.example:0", "port"),
        ("https://shop.example:99999", "port"), ("https://shop.example:08443", "port"), ("shop.example", "scheme://host"),
        ("http://shop.example", "localhost only"), ("ftp://shop.example", "https"), ("https://", "host"),
        ("https://user@shop.example", "credentials"), ("https://café.example", "ASCII"), ("https://shop.example ", "ASCII"),
        ("https://[::1", "IPv6"), ("null", "scheme://host"),
    ])
    func anythingElseIsRefusedWithTheReason(origin: String, reason: String) {
        guard case .failure(let refusal) = CORSOrigin.read(origin) else { Issue.record("\(origin) was accepted"); return }
        #expect(refusal.description.contains(reason), "\(origin): \(refusal)")
    }

    @Test func aProgramListsItsOriginsAndWritesThemBack() throws {
        let text = """
            name: Shop
            currency: EUR
            cors:
              allowed_origins: [https://shop.example, "http://localhost:3000"]
            """
        let definition = try ProgramDefinition.parse(text)
        #expect(definition.corsOrigins == ["https://shop.example", "http://localhost:3000"])
        #expect(try ProgramDefinition.read(definition.canonicalTree) == definition)
        #expect(try ProgramDefinition.parse("name: Shop\ncurrency: EUR\n").corsOrigins.isEmpty)
    }

    @Test func badOriginsAreReportedWithTheirPaths() {
        let text = """
            name: Shop
            currency: EUR
            cors:
              allowed_origins: [https://shop.example, "https://shop.example/", 7, "https://shop.example:443"]
              allow_all: true
            """
        #expect(throws: ProgramValidationError.self) { try ProgramDefinition.parse(text) }
        do {
            _ = try ProgramDefinition.parse(text)
        } catch {
            let paths = error.issues.map(\.path)
            #expect(paths.sorted() == ["cors.allow_all", "cors.allowed_origins[1]", "cors.allowed_origins[2]", "cors.allowed_origins[3]"], "\(error.issues)")
        }
        #expect(throws: ProgramValidationError.self) { try ProgramDefinition.parse("name: Shop\ncurrency: EUR\ncors: {}\n") }
    }
}
