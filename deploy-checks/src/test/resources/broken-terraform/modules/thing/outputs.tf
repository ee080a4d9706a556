output "bare" {
  value = null_resource.thing.id
}
