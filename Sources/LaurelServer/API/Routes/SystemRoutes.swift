import Foundation
import Hummingbird
import LaurelStore

/// Health check and the OpenAPI document; neither needs a key.
struct SystemRoutes {
    let store: any LaurelStore

    func register(_ api: APIRouter) {
        api.addPublic(.get, "/healthz") { _ in
            _ = try await store.programs()
            return APIJSON.response(.ok, Data(#"{"status":"ok"}"#.utf8))
        }
        api.addPublic(.get, "/openapi.json") { _ in
            APIJSON.response(.ok, try OpenAPIDocument.data())
        }
    }
}

/// The OpenAPI 3.1 document describing the API, shipped as a resource.
public enum OpenAPIDocument {
    public static func data() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json", subdirectory: "Resources") else {
            throw Problem(.internalServerError, "internal_error", "openapi.json is missing from the build")
        }
        return try Data(contentsOf: url)
    }
}
