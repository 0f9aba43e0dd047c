variable "cilium_version" {
  type = string
}

variable "python" {
  type = string
}

variable "hook_module" {
  type = string
}
