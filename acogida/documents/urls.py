from django.urls import path

from . import views, views_public

urlpatterns = [
    path(".well-known/acogida/issuer-keys.json", views_public.issuer_keys, name="issuer-keys"),
    path("verify", views.verify, name="document-verify"),
    path("people/<str:registration_number>/documents/", views.person_documents,
         name="person-documents"),
    path("people/<str:registration_number>/documents/request", views.request_document,
         name="document-request"),
    path("documents/print/", views.print_queue, name="document-print-queue"),
    path("documents/print/batches", views.create_batch, name="print-batch-create"),
    path("documents/print/batches/<str:number>.pdf", views.batch_pdf, name="print-batch-pdf"),
    path("documents/print/batches/<str:number>/printed", views.batch_printed,
         name="print-batch-printed"),
    path("documents/<str:number>/card.pdf", views.card_pdf, name="document-card-pdf"),
    path("documents/<str:number>/handed-over", views.hand_over, name="document-hand-over"),
    path("documents/<str:number>/renew", views.renew, name="document-renew"),
    path("documents/<str:number>/replace", views.replace, name="document-replace"),
    path("documents/<str:number>/revoke", views.revoke, name="document-revoke"),
]
