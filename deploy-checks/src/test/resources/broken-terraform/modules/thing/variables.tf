variable "untyped" {
  description = "Has a description but no type."
}

variable "undescribed" {
  type = string
}
