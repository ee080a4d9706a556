variable "region" {
  type        = string
  description = "AWS region."
  default     = "eu-west-1"
}

variable "availability_zones" {
  type        = list(string)
  description = "Three availability zones of the region."
  default     = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

variable "oidc_issuer" {
  type        = string
  description = "OIDC issuer whose tokens the services accept (Keycloak realm, Cognito user pool, ...)."
}

variable "consent_client_secret" {
  type        = string
  description = "Client secret of the cairn-consent OIDC client (consent's calls to identity and segments)."
  sensitive   = true
}

variable "write_keys" {
  type        = map(string)
  description = "Segment-compatible write keys: key => source id from contracts/ingest/sources.yaml."
  sensitive   = true
}

variable "image_tag" {
  type        = string
  description = "Tag of the Cairn images (empty: the chart's appVersion)."
  default     = ""
}
