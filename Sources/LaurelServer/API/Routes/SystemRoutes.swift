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
            APIJSON.response(.ok, OpenAPIDocument.data)
        }
    }
}

/// The OpenAPI 3.1 document describing the API, `Resources/openapi.json` embedded in the binary at
/// build time (see `EmbedResourcesPlugin`), so it is served whatever lies beside the executable.
public enum OpenAPIDocument {
    /// The document's bytes, made once (about 100 KB; not a copy per request).
    public static let data = Data(EmbeddedResources.openapiJson.utf8)
}
