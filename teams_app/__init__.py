"""The Microsoft Teams app package: manifest template, icons, the official schema, and the builder."""
