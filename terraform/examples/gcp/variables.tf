variable "project_id" {
  type        = string
  description = "GCP project."
}

variable "region" {
  type        = string
  description = "GCP region."
  default     = "europe-west1"
}

variable "oidc_issuer" {
  type        = string
  description = "OIDC issuer whose tokens the services accept."
}

variable "consent_client_secret" {
  type        = string
  description = "Client secret of the cairn-consent OIDC client."
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
