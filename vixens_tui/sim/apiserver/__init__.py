"""A Kubernetes API server good enough for real kubectl 1.37 and the `kubernetes` client 37.

What it must do, and why, is in docs/testing.md section 4. The pieces: `kinds`
(what is served), `store` (objects, resourceVersions, watch history), `resources` (the verbs'
semantics), `server` (HTTP, TLS, auth, routing) and one module per wire concern.
"""
