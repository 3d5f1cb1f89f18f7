"""The statutory returns as background jobs, in the public API (API.md, "Returns")."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from cpcase.api_support import parse
from registry import return_jobs
from registry.models import ReturnJob


class ReturnJobIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReturnJob.Kind.choices)
    # The census year ending 31 March ``year``; the current collection year if left out.
    # The range is the service's to check (it names the years it takes).
    year = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=32767
    )


class ReturnJobOut(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = ReturnJob
        fields = [
            "id",
            "kind",
            "year",
            "status",
            "progress",
            "created_at",
            "started_at",
            "finished_at",
            "error",
            "download",
        ]

    def get_download(self, obj: ReturnJob) -> str | None:
        """Where the file is, once the job is done."""
        if obj.status != ReturnJob.Status.DONE:
            return None
        url = reverse("registry-api:api-return-job-download", kwargs={"pk": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class ReturnJobsAPI(ListAPIView):
    """The return jobs of the caller's authority (the safeguarding unit manager's)."""

    serializer_class = ReturnJobOut

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema's dry run
            return ReturnJob.objects.none()
        return return_jobs.return_jobs_for(user=self.request.user)

    @extend_schema(request=ReturnJobIn, responses={202: ReturnJobOut})
    def post(self, request):
        return_jobs.return_jobs_for(user=request.user)  # who, before what was sent
        d = parse(ReturnJobIn, request.data)
        job = return_jobs.return_job_start(actor=request.user, kind=d["kind"], year=d["year"])
        return Response(
            ReturnJobOut(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
        )


class ReturnJobAPI(APIView):
    @extend_schema(responses=ReturnJobOut)
    def get(self, request, pk):
        job = return_jobs.return_job_for(user=request.user, job_id=pk)
        return Response(ReturnJobOut(job, context={"request": request}).data)


class ReturnJobDownloadAPI(APIView):
    @extend_schema(
        responses={
            (200, "application/xml"): str,
            (200, "text/csv"): str,
            (200, "application/octet-stream"): bytes,
        }
    )
    def get(self, request, pk):
        return download_response(return_jobs.return_job_download(actor=request.user, job_id=pk))


def download_response(file: return_jobs.Download) -> HttpResponse:
    """The stored file, as an attachment with its own name and content type."""
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response
