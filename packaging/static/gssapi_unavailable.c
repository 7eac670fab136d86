/* Kerberos (GSSAPI) stand-ins for the fully static client.
 *
 * Debian's libzmq.a calls GSSAPI for ZeroMQ's optional Kerberos security
 * mechanism, but Debian ships libgssapi_krb5 only as a shared library. The
 * fully static client links these instead: each one fails with
 * GSS_S_UNAVAILABLE, so a socket configured for GSSAPI fails its handshake.
 * fedgate never configures GSSAPI (it uses ZeroMQ's NULL mechanism). The
 * prototypes come from the real <gssapi/gssapi.h>, so a signature that drifts
 * is a compile error. */
#include <gssapi/gssapi.h>
#include <stddef.h>

gss_OID GSS_C_NT_USER_NAME = GSS_C_NO_OID;
gss_OID GSS_C_NT_HOSTBASED_SERVICE = GSS_C_NO_OID;

static OM_uint32 unavailable(OM_uint32* minor_status) {
  if (minor_status != NULL) *minor_status = 0;
  return GSS_S_UNAVAILABLE;
}

OM_uint32 gss_import_name(OM_uint32* minor, gss_buffer_t name, gss_OID type, gss_name_t* out) {
  (void)name;
  (void)type;
  if (out != NULL) *out = GSS_C_NO_NAME;
  return unavailable(minor);
}

OM_uint32 gss_display_name(OM_uint32* minor, gss_name_t name, gss_buffer_t out, gss_OID* type) {
  (void)name;
  if (out != NULL) {
    out->length = 0;
    out->value = NULL;
  }
  if (type != NULL) *type = GSS_C_NO_OID;
  return unavailable(minor);
}

OM_uint32 gss_release_name(OM_uint32* minor, gss_name_t* name) {
  (void)name;
  if (minor != NULL) *minor = 0;
  return GSS_S_COMPLETE;
}

OM_uint32 gss_release_buffer(OM_uint32* minor, gss_buffer_t buffer) {
  if (buffer != NULL) {
    buffer->length = 0;
    buffer->value = NULL;
  }
  if (minor != NULL) *minor = 0;
  return GSS_S_COMPLETE;
}

OM_uint32 gss_release_cred(OM_uint32* minor, gss_cred_id_t* cred) {
  (void)cred;
  if (minor != NULL) *minor = 0;
  return GSS_S_COMPLETE;
}

OM_uint32 gss_delete_sec_context(OM_uint32* minor, gss_ctx_id_t* context, gss_buffer_t token) {
  (void)context;
  if (token != NULL) {
    token->length = 0;
    token->value = NULL;
  }
  if (minor != NULL) *minor = 0;
  return GSS_S_COMPLETE;
}

OM_uint32 gss_acquire_cred(OM_uint32* minor, gss_name_t name, OM_uint32 time_req, gss_OID_set mechs,
                           gss_cred_usage_t usage, gss_cred_id_t* cred, gss_OID_set* actual_mechs,
                           OM_uint32* time_rec) {
  (void)name;
  (void)time_req;
  (void)mechs;
  (void)usage;
  (void)actual_mechs;
  (void)time_rec;
  if (cred != NULL) *cred = GSS_C_NO_CREDENTIAL;
  return unavailable(minor);
}

OM_uint32 gss_init_sec_context(OM_uint32* minor, gss_cred_id_t cred, gss_ctx_id_t* context,
                               gss_name_t target, gss_OID mech, OM_uint32 flags, OM_uint32 time_req,
                               gss_channel_bindings_t bindings, gss_buffer_t input,
                               gss_OID* actual_mech, gss_buffer_t output, OM_uint32* ret_flags,
                               OM_uint32* time_rec) {
  (void)cred;
  (void)context;
  (void)target;
  (void)mech;
  (void)flags;
  (void)time_req;
  (void)bindings;
  (void)input;
  (void)actual_mech;
  (void)ret_flags;
  (void)time_rec;
  if (output != NULL) {
    output->length = 0;
    output->value = NULL;
  }
  return unavailable(minor);
}

OM_uint32 gss_accept_sec_context(OM_uint32* minor, gss_ctx_id_t* context, gss_cred_id_t cred,
                                 gss_buffer_t input, gss_channel_bindings_t bindings,
                                 gss_name_t* source, gss_OID* mech, gss_buffer_t output,
                                 OM_uint32* ret_flags, OM_uint32* time_rec,
                                 gss_cred_id_t* delegated) {
  (void)context;
  (void)cred;
  (void)input;
  (void)bindings;
  (void)source;
  (void)mech;
  (void)ret_flags;
  (void)time_rec;
  (void)delegated;
  if (output != NULL) {
    output->length = 0;
    output->value = NULL;
  }
  return unavailable(minor);
}

OM_uint32 gss_wrap(OM_uint32* minor, gss_ctx_id_t context, int conf_req, gss_qop_t qop,
                   gss_buffer_t input, int* conf_state, gss_buffer_t output) {
  (void)context;
  (void)conf_req;
  (void)qop;
  (void)input;
  (void)conf_state;
  if (output != NULL) {
    output->length = 0;
    output->value = NULL;
  }
  return unavailable(minor);
}

OM_uint32 gss_unwrap(OM_uint32* minor, gss_ctx_id_t context, gss_buffer_t input,
                     gss_buffer_t output, int* conf_state, gss_qop_t* qop) {
  (void)context;
  (void)input;
  (void)conf_state;
  (void)qop;
  if (output != NULL) {
    output->length = 0;
    output->value = NULL;
  }
  return unavailable(minor);
}
