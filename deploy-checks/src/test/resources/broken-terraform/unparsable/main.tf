# Broken on purpose: an unclosed block.
variable "x" {
  type        = string
  description = "never closed"
